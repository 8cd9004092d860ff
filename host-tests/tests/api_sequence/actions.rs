//! Every kind of call the sequence makes, its weight, and the step that picks one.

use std::fmt::Debug;

use anyhow::{Context as _, Result};

use crate::driver::Driver;

/// Every kind of call the sequence makes, with its weight (out of the sum of all weights).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Action {
    SetHeader,
    RemoveHeader,
    SetHeaders,
    SetParams,
    SetAuth,
    SetCookie,
    RemoveCookie,
    ClearCookies,
    SetMaxRedirects,
    SetTimeout,
    SetRetries,
    SetBaseUrl,
    SetMaxBodySize,
    SetFlag,
    SetHooks,
    MountScripted,
    MountHttp,
    MountHost,
    MountSockets,
    GetAdapter,
    CloseAdapter,
    RequestMock,
    RequestNetwork,
    PrepareSend,
    Upload,
    ReadResponse,
    DropResponse,
    ExportImport,
    ImportMutated,
    MergeEnvironment,
    Close,
    NewSession,
    ProbeClosed,
}

pub(crate) const ACTIONS: &[(Action, usize)] = &[
    (Action::SetHeader, 50),
    (Action::RemoveHeader, 25),
    (Action::SetHeaders, 15),
    (Action::SetParams, 25),
    (Action::SetAuth, 25),
    (Action::SetCookie, 50),
    (Action::RemoveCookie, 20),
    (Action::ClearCookies, 8),
    (Action::SetMaxRedirects, 15),
    (Action::SetTimeout, 15),
    (Action::SetRetries, 15),
    (Action::SetBaseUrl, 15),
    (Action::SetMaxBodySize, 15),
    (Action::SetFlag, 30),
    (Action::SetHooks, 15),
    (Action::MountScripted, 40),
    (Action::MountHttp, 10),
    (Action::MountHost, 25),
    (Action::MountSockets, 15),
    (Action::GetAdapter, 15),
    (Action::CloseAdapter, 5),
    (Action::RequestMock, 90),
    (Action::RequestNetwork, 100),
    (Action::PrepareSend, 30),
    (Action::Upload, 20),
    (Action::ReadResponse, 150),
    (Action::DropResponse, 20),
    (Action::ExportImport, 30),
    (Action::ImportMutated, 25),
    (Action::MergeEnvironment, 10),
    (Action::Close, 8),
    (Action::NewSession, 8),
    (Action::ProbeClosed, 20),
];

impl Driver {
    pub(crate) async fn step(&mut self) -> Result<()> {
        let total: usize = ACTIONS.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.below(total);
        let mut action = ACTIONS[0].0;
        for (a, w) in ACTIONS {
            if roll < *w {
                action = *a;
                break;
            }
            roll -= w;
        }
        *self.stats.actions.entry(action).or_default() += 1;
        match action {
            Action::SetHeader => self.set_header().await,
            Action::RemoveHeader => self.remove_header().await,
            Action::SetHeaders => self.set_headers().await,
            Action::SetParams => self.set_params().await,
            Action::SetAuth => self.set_auth().await,
            Action::SetCookie => self.set_cookie().await,
            Action::RemoveCookie => self.remove_cookie().await,
            Action::ClearCookies => self.clear_cookies().await,
            Action::SetMaxRedirects => self.set_max_redirects().await,
            Action::SetTimeout => self.set_timeout().await,
            Action::SetRetries => self.set_retries().await,
            Action::SetBaseUrl => self.set_base_url().await,
            Action::SetMaxBodySize => self.set_max_body_size().await,
            Action::SetFlag => self.set_flag().await,
            Action::SetHooks => self.set_hooks().await,
            Action::MountScripted => self.mount_scripted().await,
            Action::MountHttp => self.mount_http().await,
            Action::MountHost => self.mount_host().await,
            Action::MountSockets => self.mount_sockets().await,
            Action::GetAdapter => self.get_adapter().await,
            Action::CloseAdapter => self.close_adapter().await,
            Action::RequestMock => {
                let url = self.mock_url();
                self.request(url).await
            }
            Action::RequestNetwork => {
                let url = self.network_url();
                self.request(url).await
            }
            Action::PrepareSend => self.prepare_send().await,
            Action::Upload => self.upload().await,
            Action::ReadResponse => self.read_response().await,
            Action::DropResponse => {
                if !self.responses.is_empty() {
                    let r = self.responses.remove(self.rng.below(self.responses.len()));
                    self.note("drop a response".into());
                    self.drop_handle(r).await?;
                }
                Ok(())
            }
            Action::ExportImport => self.export_import().await,
            Action::ImportMutated => self.import_mutated().await,
            Action::MergeEnvironment => self.merge_environment().await,
            Action::Close => {
                let i = self.session_index().await?;
                let s = self.sessions[i].handle;
                self.note(format!("close session {i}"));
                session!(self, call_close, s);
                self.sessions[i].closed = true;
                self.probe_closed(i).await
            }
            Action::NewSession => self.new_session().await,
            Action::ProbeClosed => match self.sessions.iter().position(|s| s.closed) {
                Some(i) => self.probe_closed(i).await,
                None => Ok(()),
            },
        }
    }
}
