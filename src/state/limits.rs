//! The bounds on what import reads: the entries of a list, and the JSON values of a whole
//! document, counted before it is parsed.

use super::values::shape;
use super::{MAX_STATE_ENTRIES, MAX_STATE_VALUES};
use crate::error::Result;
use serde_json::Value;

/// `list`, unless it has more than [`MAX_STATE_ENTRIES`] items.
pub(super) fn bounded<'a>(list: &'a [Value], what: &str) -> Result<&'a [Value]> {
    if list.len() > MAX_STATE_ENTRIES {
        return Err(shape(&format!(
            "{what:?} has {} entries, more than the {MAX_STATE_ENTRIES} accepted",
            list.len()
        )));
    }
    Ok(list)
}

/// Whether `json` has more than [`MAX_STATE_VALUES`] separators outside
/// strings (`\"` escapes and all), in one pass over its bytes, before the
/// parser builds a value for each. Text that is not JSON may be miscounted;
/// the parser refuses it then anyway.
pub(super) fn too_many_values(json: &str) -> bool {
    let mut count = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in json.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' | b',' | b':' => {
                count += 1;
                if count > MAX_STATE_VALUES {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}
