//! The team's accounts from this app: one-time invites with which teammates make their
//! own accounts (the admin never types their passwords), joining with one, changing my
//! password, and an administrator disabling, enabling or deleting accounts.

use crate::controller::Controller;
use crate::error::AppError;
use crate::links::invite_link;
use crate::state::AppState;
use serde::Serialize;
use std::sync::Arc;
use switchboard_client::{Api, Trust};
use switchboard_protocol::api::{InviteCode, RedeemInvite, UserInfo};

/// A new invite, as the admin passes it on. The code is shown this once.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct TeamInvite {
    pub code: String,
    /// `switchboard://join?server=…&fp=…&code=…`, one per address teammates can reach
    /// the server at; empty when this app has no certificate to pin for the server (it
    /// has an authority's): teammates then enter `server_url` and the code.
    pub links: Vec<String>,
    pub server_url: String,
    pub invite: InviteCode,
}

/// What a teammate fills in to make their account with an invite.
#[derive(Clone, Debug, serde::Deserialize, ts_rs::TS)]
pub struct JoinRequest {
    pub server_url: String,
    /// `sha256:…` from the invite link; absent when typed by hand.
    pub fingerprint: Option<String>,
    pub code: String,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub password: String,
}

impl Controller {
    /// The signed-in admin's `Api`, or why there is none.
    async fn admin_api(&self, doing: &str) -> Result<Api, AppError> {
        let phone = self.phone().await?;
        if !phone.engine().me().is_admin {
            return Err(AppError::invalid(format!(
                "Only an administrator can {doing}."
            )));
        }
        Ok(phone.engine().api().clone())
    }

    /// Makes a one-time invite lasting `hours` (the server's default when `None`).
    pub async fn create_invite(&self, hours: Option<u32>) -> Result<TeamInvite, AppError> {
        let api = self.admin_api("invite teammates").await?;
        let created = api.create_invite(hours).await?;
        let hosted = self
            .host
            .lock()
            .await
            .as_ref()
            .map(|host| (host.lan_urls(), host.fingerprint()));
        let saved = self.saved();
        let server_url = saved.server_url.clone().unwrap_or_default();
        let links = match (hosted, saved.server_fingerprint) {
            (Some((urls, Ok(fp))), _) => urls
                .iter()
                .map(|url| invite_link(url, &fp, Some(&created.code)))
                .collect(),
            (None, Some(fp)) => vec![invite_link(&server_url, &fp, Some(&created.code))],
            _ => Vec::new(),
        };
        Ok(TeamInvite {
            code: created.code,
            links,
            server_url,
            invite: created.invite,
        })
    }

    /// Every invite, newest first (admins only).
    pub async fn invites(&self) -> Result<Vec<InviteCode>, AppError> {
        Ok(self.admin_api("see invites").await?.invites().await?)
    }

    /// Withdraws an unused invite (admins only).
    pub async fn revoke_invite(&self, id: i64) -> Result<InviteCode, AppError> {
        Ok(self
            .admin_api("withdraw invites")
            .await?
            .revoke_invite(id)
            .await?)
    }

    /// Makes this teammate's account with an invite code and signs in to it.
    pub async fn join_team(self: &Arc<Self>, join: JoinRequest) -> Result<AppState, AppError> {
        let (url, pin) = self.pin_for(&join.server_url, join.fingerprint.as_deref())?;
        let username = join.username.trim().to_owned();
        if username.is_empty() {
            return Err(AppError::invalid("Choose a username."));
        }
        if join.code.trim().is_empty() {
            return Err(AppError::invalid(
                "Enter the invite code from your administrator's invite.",
            ));
        }
        let mut api = Api::with_trust(&url, pin.map_or(Trust::System, Trust::Pinned))?;
        let joined = api
            .redeem_invite(&RedeemInvite {
                code: join.code.trim().to_owned(),
                username: username.clone(),
                password: join.password,
                email: join.email.trim().to_owned(),
                full_name: join.full_name.trim().to_owned(),
            })
            .await?;
        // Only now: a refused code or a taken name leaves the form and its invite as
        // they were.
        self.sign_out_quietly().await;
        self.adopt_sign_in(api, url, pin, username, joined.token)
            .await
    }

    /// Changes my password. The server signs out my other devices; this one goes on
    /// with the new token it answers with.
    pub async fn change_password(
        self: &Arc<Self>,
        current: String,
        new_password: String,
    ) -> Result<AppState, AppError> {
        let phone = self.phone().await?;
        if phone.current_call().await.is_some() {
            return Err(AppError::invalid(
                "Finish the call first: changing the password reconnects this app.",
            ));
        }
        let mut api = phone.engine().api().clone();
        let changed = api.change_password(&current, &new_password).await?;
        let (url, pin) = {
            let saved = self.saved();
            (
                saved.server_url.unwrap_or_default(),
                saved.server_fingerprint,
            )
        };
        let username = changed.user.username.clone();
        self.adopt_sign_in(api, url, pin, username, changed.token)
            .await
    }

    /// Disables (`active: false`) or enables an account (admins only).
    pub async fn set_account_active(
        &self,
        user_id: i64,
        active: bool,
    ) -> Result<UserInfo, AppError> {
        let api = self
            .admin_api(if active {
                "enable accounts"
            } else {
                "disable accounts"
            })
            .await?;
        let user = api.set_account_active(user_id, active).await?;
        self.refresh_directory(&api).await?;
        Ok(user)
    }

    /// Deletes an account (admins only); calls with it stay in the history.
    pub async fn delete_account(&self, user_id: i64) -> Result<(), AppError> {
        let api = self.admin_api("delete accounts").await?;
        api.delete_user(user_id).await?;
        self.refresh_directory(&api).await
    }

    /// Fetches the directory again (accounts came or went: no presence event says so)
    /// and redraws.
    pub(crate) async fn refresh_directory(&self, api: &Api) -> Result<(), AppError> {
        let users = api.users().await?;
        self.live().directory.replace(users);
        let state = self.app_state().await;
        self.shell.on_state(&state);
        Ok(())
    }
}
