//! Saved state: export, import into a fresh session, and imports of mutated JSON.

use anyhow::{anyhow, ensure, Context as _, Result};
use serde_json::Value;
use wasmtime::component::ResourceAny;

use crate::config::Rng;
use crate::driver::{short, Driver};

impl Driver {
    pub(crate) async fn export_import(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let secrets = self.rng.chance(50);
        self.note(format!(
            "export-state {secrets}, import into a fresh session"
        ));
        let out = session!(self, call_export_state, s, secrets);
        self.outcome("export-state", &out);
        self.check_closed(i, "export-state", &out)?;
        let Ok(state) = out else { return Ok(()) };
        let parsed: Value = serde_json::from_str(&state).context("export-state is not JSON")?;
        let fresh = self.h.session().await.context("session() trapped")?;
        let imported = session!(self, call_import_state, fresh, &state);
        let again = session!(self, call_export_state, fresh, secrets);
        self.drop_handle(fresh).await?;
        imported.map_err(|e| anyhow!("import-state refused what export-state gave: {e:?}"))?;
        let mut again: Value =
            serde_json::from_str(&again.map_err(|e| anyhow!("export-state after import: {e:?}"))?)?;
        // Without secrets, a `cert` whose key is PEM data is left out; the fresh session has
        // none, and says so (`"cert": null`).
        if !secrets && parsed.get("cert").is_none() {
            if let Some(map) = again.as_object_mut() {
                ensure!(
                    map.remove("cert").is_none_or(|c| c.is_null()),
                    "a cert left out of the export came back"
                );
            }
        }
        ensure!(
            again == parsed,
            "export, import, export does not round-trip:\n{}\n{}",
            short(&parsed),
            short(&again)
        );
        Ok(())
    }

    pub(crate) fn mutate(&mut self, value: &mut Value) {
        let replacement = |rng: &mut Rng| -> Value {
            rng.pick(&[
                Value::Null,
                Value::Bool(true),
                serde_json::json!(-1),
                serde_json::json!(1e300),
                serde_json::json!(u64::MAX),
                serde_json::json!("a\r\nb"),
                serde_json::json!(""),
                serde_json::json!([]),
                serde_json::json!({}),
                serde_json::json!([["X-Injected", "1"]]),
            ])
        };
        match value {
            Value::Object(map) if !map.is_empty() && self.rng.chance(85) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = self.rng.pick(&keys);
                match self.rng.below(4) {
                    0 => drop(map.remove(&key)),
                    1 => drop(map.insert(key, replacement(&mut self.rng))),
                    _ => {
                        if let Some(v) = map.get_mut(&key) {
                            self.mutate(v);
                        }
                    }
                }
            }
            Value::Array(list) if !list.is_empty() && self.rng.chance(85) => {
                let at = self.rng.below(list.len());
                match self.rng.below(3) {
                    0 => drop(list.remove(at)),
                    _ => self.mutate(&mut list[at]),
                }
            }
            other => *other = replacement(&mut self.rng),
        }
    }

    pub(crate) async fn import_mutated(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let before = session!(self, call_export_state, s, true);
        self.check_closed(i, "export-state", &before)?;
        let Ok(before) = before else { return Ok(()) };
        let mutated = match self.rng.below(10) {
            0 => self
                .rng
                .string(&["", "{}", "null", "[]", "{\"version\": 999}", "{", "\u{0}"]),
            1 => {
                let cut = self.rng.below(before.len());
                before.chars().take(cut).collect()
            }
            _ => {
                let mut v: Value = serde_json::from_str(&before)?;
                for _ in 0..1 + self.rng.below(3) {
                    self.mutate(&mut v);
                }
                v.to_string()
            }
        };
        self.note(format!("import-state {}", short(&mutated)));
        let out = session!(self, call_import_state, s, &mutated);
        self.outcome("import-state (mutated)", &out);
        self.check_closed(i, "import-state", &out)?;
        match out {
            Ok(()) => self.tame(s).await?,
            Err(_) => {
                let after = session!(self, call_export_state, s, true)
                    .map_err(|e| anyhow!("export-state after a refused import: {e:?}"))?;
                let (a, b): (Value, Value) = (
                    serde_json::from_str(&before)?,
                    serde_json::from_str(&after)?,
                );
                ensure!(
                    a == b,
                    "a refused import-state changed the session:\n{}\n{}",
                    short(&a),
                    short(&b)
                );
            }
        }
        Ok(())
    }

    /// An imported state may hold retries that would sleep for minutes: cap them.
    pub(crate) async fn tame(&mut self, s: ResourceAny) -> Result<()> {
        let Some(policy) = session!(self, call_retries, s) else {
            return Ok(());
        };
        if policy.backoff_factor_ms > 20
            || policy.backoff_max_ms > 50
            || policy.backoff_jitter_ms > 20
            || policy.retry_after_max_ms > 50
            || policy.total > 5
        {
            self.note("  (capping the imported retry policy)".into());
            let tamed = self.retry_policy();
            session!(self, call_set_retries, s, Some(&tamed))
                .map_err(|e| anyhow!("set-retries: {e:?}"))?;
        }
        Ok(())
    }
}
