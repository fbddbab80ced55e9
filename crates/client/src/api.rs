//! The REST API (SPEC §1–3, §5), typed. Works against Switchboard and against a CRM
//! backend that exposes the seeds' API.

use crate::error::ClientError;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::api::{
    CallEnvelope, CallSession, DirectoryEntry, InitiateCall, InviteCode, InviteCodeRequest,
    IssuedInviteCode, LoginResponse, MaybeCall, NewAccount, Page, PasswordChange, RedeemInvite,
    UserInfo, UserPresence,
};
use switchboard_protocol::busy_lamp::{CampOn, NewCampOn, NewNote, Note};
use switchboard_protocol::callbacks::{Callback, NewCallback};
use switchboard_protocol::crm::{CallOutcomes, NewCallLog, Regarding};
use switchboard_protocol::webhooks::{NewWebhook, Webhook, WebhookDelivery};
use switchboard_protocol::{CallAction, CallType, PresenceStatus};
use switchboard_tls::{ClientConfig, Trust, client_config};

/// A client for one server, optionally signed in.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    trust: Trust,
    /// The TLS configuration for `trust`, shared with the WebSocket connections.
    tls: Arc<ClientConfig>,
}

impl Api {
    /// `base` is the server's root URL, e.g. `https://crm.example.com`; its certificate
    /// must be signed by an authority this computer trusts.
    pub fn new(base: &str) -> Result<Api, ClientError> {
        Api::with_trust(base, Trust::System)
    }

    /// A server whose certificate is trusted as `trust` says: a host's own, pinned by
    /// its fingerprint, is reached over `https://` only.
    pub fn with_trust(base: &str, trust: Trust) -> Result<Api, ClientError> {
        let base = base.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) || base.len() < 10 {
            return Err(ClientError::BadUrl(base));
        }
        if matches!(trust, Trust::Pinned(_)) && base.starts_with("http://") {
            return Err(ClientError::PinnedPlainHttp(base));
        }
        let tls = client_config(&trust).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            // Under the 60 s a Switchboard server gives an idle connection (reqwest's
            // default is 90 s): a request never goes out on one the server is closing.
            .pool_idle_timeout(Duration::from_secs(45))
            .build()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Api {
            http,
            base,
            token: None,
            trust,
            tls,
        })
    }

    /// How this client trusts the server's certificate.
    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    pub(crate) fn tls(&self) -> Arc<ClientConfig> {
        self.tls.clone()
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The WebSocket URL for `path` (`/api/ws/7`), with the token as `?token=`.
    pub fn ws_url(&self, path: &str) -> Result<String, ClientError> {
        let token = self.token.as_deref().ok_or(ClientError::NoToken)?;
        let ws = if let Some(rest) = self.base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else {
            format!("ws://{}", self.base.trim_start_matches("http://"))
        };
        Ok(format!("{ws}{path}?token={token}"))
    }

    async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method, &url);
        if let Some(token) = &self.token {
            req = req.header("Authorization", format!("Token {token}"));
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(|e| {
            ClientError::from_connect(&self.base, &e).unwrap_or_else(|| ClientError::Unreachable {
                url: self.base.clone(),
                reason: describe(&e),
            })
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| ClientError::Unreachable {
            url: self.base.clone(),
            reason: describe(&e),
        })?;
        if status.is_success() {
            let text = if text.trim().is_empty() {
                "null"
            } else {
                &text
            };
            return serde_json::from_str(text)
                .map_err(|e| ClientError::Protocol(format!("{path}: {e}")));
        }
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let message = body["error"]
            .as_str()
            .or_else(|| body["detail"].as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("The server refused the request ({status})."));
        // A 401 with a code (`account_disabled`) says more than "sign in again".
        if status == StatusCode::UNAUTHORIZED && body["code"].is_null() {
            return Err(if self.token.is_some() {
                ClientError::SignedOut(message.trim_end_matches('.').to_owned())
            } else {
                ClientError::NoToken
            });
        }
        Err(ClientError::Refused {
            status,
            message,
            code: body["code"].as_str().map(str::to_owned),
        })
    }

    /// Whether the server answers (`GET /api/health/`), over the trust this client has.
    pub async fn health(&self) -> Result<(), ClientError> {
        self.get::<Value>("/api/health/").await.map(|_| ())
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.request(Method::GET, path, None).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: impl Serialize,
    ) -> Result<T, ClientError> {
        let body = serde_json::to_value(body).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.request(Method::POST, path, Some(body)).await
    }

    /// Signs in; on success this `Api` carries the token.
    pub async fn login(
        &mut self,
        username: &str,
        password: &str,
    ) -> Result<LoginResponse, ClientError> {
        self.token = None;
        let result: Result<LoginResponse, _> = self
            .post(
                "/api/login/",
                json!({"username": username, "password": password}),
            )
            .await;
        match result {
            Ok(login) => {
                self.token = Some(login.token.clone());
                Ok(login)
            }
            Err(ClientError::NoToken) => Err(ClientError::WrongPassword),
            Err(e) => Err(e),
        }
    }

    pub async fn logout(&self) -> Result<(), ClientError> {
        self.post::<Value>("/api/auth/logout", json!({}))
            .await
            .map(|_| ())
    }

    /// Signs out every session of this account, this one too.
    pub async fn logout_everywhere(&self) -> Result<(), ClientError> {
        self.post::<Value>("/api/auth/logout_everywhere", json!({}))
            .await
            .map(|_| ())
    }

    /// Changes the password; every other session is signed out, and this `Api` carries
    /// the one new token (the old one is refused from now on).
    pub async fn change_password(
        &mut self,
        current_password: &str,
        new_password: &str,
    ) -> Result<LoginResponse, ClientError> {
        let body = PasswordChange {
            current_password: current_password.to_owned(),
            new_password: new_password.to_owned(),
        };
        let changed: LoginResponse = self.post("/api/auth/password", body).await?;
        self.token = Some(changed.token.clone());
        Ok(changed)
    }

    /// Makes an account with a one-time invite code; on success this `Api` carries the
    /// new account's token.
    pub async fn redeem_invite(
        &mut self,
        redeem: &RedeemInvite,
    ) -> Result<LoginResponse, ClientError> {
        self.token = None;
        let joined: LoginResponse = self.post("/api/invites/redeem", redeem).await?;
        self.token = Some(joined.token.clone());
        Ok(joined)
    }

    /// A one-time invite code (administrators only); `hours` defaults to the server's 72.
    pub async fn create_invite(&self, hours: Option<u32>) -> Result<IssuedInviteCode, ClientError> {
        self.post(
            "/api/invites",
            InviteCodeRequest {
                expires_in_hours: hours,
            },
        )
        .await
    }

    /// Every invite, newest first (administrators only).
    pub async fn invites(&self) -> Result<Vec<InviteCode>, ClientError> {
        self.get("/api/invites").await
    }

    /// Withdraws an unused invite (administrators only).
    pub async fn revoke_invite(&self, id: i64) -> Result<InviteCode, ClientError> {
        self.request(Method::DELETE, &format!("/api/invites/{id}"), None)
            .await
    }

    /// Disables (`false`) or enables (`true`) an account (administrators only).
    pub async fn set_account_active(
        &self,
        user_id: i64,
        active: bool,
    ) -> Result<UserInfo, ClientError> {
        let action = if active { "enable" } else { "disable" };
        self.post(&format!("/api/users/{user_id}/{action}"), json!({}))
            .await
    }

    /// Deletes an account (administrators only); its calls stay in the history.
    pub async fn delete_user(&self, user_id: i64) -> Result<(), ClientError> {
        self.request::<Value>(Method::DELETE, &format!("/api/users/{user_id}"), None)
            .await
            .map(|_| ())
    }

    pub async fn me(&self) -> Result<UserInfo, ClientError> {
        self.get("/api/auth/me").await
    }

    pub async fn users(&self) -> Result<Vec<DirectoryEntry>, ClientError> {
        self.get("/api/users/").await
    }

    /// Creates an account; the server allows this to administrators only.
    pub async fn create_user(&self, account: &NewAccount) -> Result<UserInfo, ClientError> {
        self.post("/api/users/", account).await
    }

    pub async fn online_users(&self) -> Result<Vec<UserPresence>, ClientError> {
        self.get("/api/user-presence/online_users/").await
    }

    pub async fn heartbeat(&self) -> Result<UserPresence, ClientError> {
        self.post("/api/user-presence/heartbeat/", json!({})).await
    }

    pub async fn set_status(
        &self,
        status: Option<PresenceStatus>,
        available_for_calls: Option<bool>,
        message: Option<&str>,
    ) -> Result<UserPresence, ClientError> {
        let mut body = serde_json::Map::new();
        if let Some(s) = status {
            body.insert("status".into(), json!(s));
        }
        if let Some(a) = available_for_calls {
            body.insert("available_for_calls".into(), json!(a));
        }
        if let Some(m) = message {
            body.insert("status_message".into(), json!(m));
        }
        self.post("/api/user-presence/update_my_status/", Value::Object(body))
            .await
    }

    pub async fn initiate_call(
        &self,
        recipient_id: i64,
        call_type: CallType,
    ) -> Result<CallSession, ClientError> {
        self.start_call(&InitiateCall {
            recipient_id,
            call_type: Some(call_type),
            regarding: None,
        })
        .await
    }

    /// Starts a call as `request` says: to whom, audio or video, about which record. A
    /// record that would be refused is refused here, in the same words.
    pub async fn start_call(&self, request: &InitiateCall) -> Result<CallSession, ClientError> {
        if let Some(problem) = request.regarding.as_ref().and_then(Regarding::problem) {
            return Err(ClientError::Invalid(problem));
        }
        let envelope: CallEnvelope = self
            .post("/api/jitsi-calls/initiate_call/", json!(request))
            .await?;
        Ok(envelope.call_session)
    }

    /// Declines a ringing call with a message for the caller.
    pub async fn decline(&self, call_id: i64, message: &str) -> Result<CallSession, ClientError> {
        let envelope: CallEnvelope = self
            .post(
                &format!("/api/jitsi-calls/{call_id}/update_status/"),
                json!({"action": "reject", "message": message}),
            )
            .await?;
        Ok(envelope.call_session)
    }

    /// Writes (or, within 24 hours, changes) the signed-in participant's log of an ended
    /// call; the call comes back with everyone's logs.
    pub async fn log_call(
        &self,
        call_id: i64,
        log: &NewCallLog,
    ) -> Result<CallSession, ClientError> {
        self.post(&format!("/api/jitsi-calls/{call_id}/log/"), json!(log))
            .await
    }

    /// My call-backs: open ones by due time, then the last 50 done.
    pub async fn callbacks(&self) -> Result<Vec<Callback>, ClientError> {
        self.get("/api/callbacks/").await
    }

    /// A call-back for me to make.
    pub async fn create_callback(&self, new: &NewCallback) -> Result<Callback, ClientError> {
        self.post("/api/callbacks/", json!(new)).await
    }

    pub async fn complete_callback(&self, id: i64) -> Result<Callback, ClientError> {
        self.post(&format!("/api/callbacks/{id}/complete/"), json!({}))
            .await
    }

    /// Due again `seconds` from now.
    pub async fn snooze_callback(&self, id: i64, seconds: i64) -> Result<Callback, ClientError> {
        self.post(
            &format!("/api/callbacks/{id}/snooze/"),
            json!({"due_in_seconds": seconds}),
        )
        .await
    }

    pub async fn delete_callback(&self, id: i64) -> Result<(), ClientError> {
        self.request::<Value>(Method::DELETE, &format!("/api/callbacks/{id}/"), None)
            .await
            .map(|_| ())
    }

    /// The team's webhook endpoints (administrators only).
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, ClientError> {
        self.get("/api/webhooks/").await
    }

    pub async fn create_webhook(&self, new: &NewWebhook) -> Result<Webhook, ClientError> {
        self.post("/api/webhooks/", json!(new)).await
    }

    pub async fn delete_webhook(&self, id: i64) -> Result<(), ClientError> {
        self.request::<Value>(Method::DELETE, &format!("/api/webhooks/{id}/"), None)
            .await
            .map(|_| ())
    }

    /// One page of an endpoint's deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        id: i64,
        page: u32,
        page_size: u32,
    ) -> Result<Page<WebhookDelivery>, ClientError> {
        self.get(&format!(
            "/api/webhooks/{id}/deliveries/?page={page}&page_size={page_size}"
        ))
        .await
    }

    /// Notes left for me, newest first.
    pub async fn notes(&self) -> Result<Vec<Note>, ClientError> {
        self.get("/api/notes/").await
    }

    /// Leaves a note for a colleague who cannot take a call now.
    pub async fn send_note(&self, note: &NewNote) -> Result<Note, ClientError> {
        self.post("/api/notes/", json!(note)).await
    }

    pub async fn mark_note_read(&self, id: i64) -> Result<Note, ClientError> {
        self.post(&format!("/api/notes/{id}/read/"), json!({}))
            .await
    }

    pub async fn delete_note(&self, id: i64) -> Result<(), ClientError> {
        self.request::<Value>(Method::DELETE, &format!("/api/notes/{id}/"), None)
            .await
            .map(|_| ())
    }

    /// Whom I wait for.
    pub async fn camp_ons(&self) -> Result<Vec<CampOn>, ClientError> {
        self.get("/api/camp-ons/").await
    }

    /// Be told once when a colleague can take calls again.
    pub async fn camp_on(&self, new: &NewCampOn) -> Result<CampOn, ClientError> {
        self.post("/api/camp-ons/", json!(new)).await
    }

    pub async fn cancel_camp_on(&self, id: i64) -> Result<(), ClientError> {
        self.request::<Value>(Method::DELETE, &format!("/api/camp-ons/{id}/"), None)
            .await
            .map(|_| ())
    }

    /// The outcomes a call can be logged with, in the team's order.
    pub async fn call_outcomes(&self) -> Result<CallOutcomes, ClientError> {
        self.get("/api/call-outcomes/").await
    }

    /// Sets the team's outcomes (administrators only).
    pub async fn set_call_outcomes(
        &self,
        outcomes: &CallOutcomes,
    ) -> Result<CallOutcomes, ClientError> {
        self.request(Method::PUT, "/api/call-outcomes/", Some(json!(outcomes)))
            .await
    }

    /// Puts the other party of active call `call_id` through to `to_user_id` (a blind
    /// transfer): the new call, ringing, and the old one, ended.
    pub async fn transfer(
        &self,
        call_id: i64,
        to_user_id: i64,
    ) -> Result<switchboard_protocol::api::TransferResponse, ClientError> {
        self.post(
            &format!("/api/jitsi-calls/{call_id}/transfer/"),
            json!({ "to_user_id": to_user_id }),
        )
        .await
    }

    /// An attended transfer: joins `call_id`'s other party (the held call) with the one in
    /// `to_call_id` (the consultation); returns the transfer's answer.
    pub async fn transfer_attended(
        &self,
        call_id: i64,
        to_call_id: i64,
    ) -> Result<switchboard_protocol::api::TransferResponse, ClientError> {
        self.post(
            &format!("/api/jitsi-calls/{call_id}/transfer/"),
            json!({ "to_call_id": to_call_id }),
        )
        .await
    }

    /// Adds `user_id` to an active call: it grows into a meeting of the three.
    pub async fn add_participant(
        &self,
        call_id: i64,
        user_id: i64,
    ) -> Result<switchboard_protocol::api::AddParticipantResponse, ClientError> {
        self.post(
            &format!("/api/jitsi-calls/{call_id}/add_participant/"),
            json!({ "user_id": user_id }),
        )
        .await
    }

    pub async fn update_call(
        &self,
        call_id: i64,
        action: CallAction,
    ) -> Result<CallSession, ClientError> {
        let envelope: CallEnvelope = self
            .post(
                &format!("/api/jitsi-calls/{call_id}/update_status/"),
                json!({"action": action.as_str()}),
            )
            .await?;
        Ok(envelope.call_session)
    }

    pub async fn my_active_call(&self) -> Result<Option<CallSession>, ClientError> {
        let maybe: MaybeCall = self.get("/api/jitsi-calls/my_active_call/").await?;
        Ok(maybe.call_session)
    }

    pub async fn call(&self, call_id: i64) -> Result<CallSession, ClientError> {
        self.get(&format!("/api/jitsi-calls/{call_id}/")).await
    }

    /// The call's Jitsi room, with a JaaS token when the server has 8x8 set up.
    pub async fn join_info(
        &self,
        call_id: i64,
    ) -> Result<switchboard_protocol::api::JoinInfo, ClientError> {
        self.get(&format!("/api/jitsi-calls/{call_id}/join_info/"))
            .await
    }

    /// ICE servers to use for calls (`GET /api/rtc/config`); none from a server without it.
    pub async fn rtc_config(&self) -> Result<switchboard_protocol::api::RtcConfig, ClientError> {
        match self.get("/api/rtc/config").await {
            Err(ClientError::Refused { status, .. }) if status == StatusCode::NOT_FOUND => {
                Ok(switchboard_protocol::api::RtcConfig {
                    ice_servers: Vec::new(),
                })
            }
            other => other,
        }
    }

    /// Schedules a meeting hosted by the signed-in user (seed 002).
    pub async fn create_meeting(
        &self,
        title: &str,
        participant_ids: &[i64],
    ) -> Result<switchboard_protocol::api::Meeting, ClientError> {
        self.schedule_meeting(&switchboard_protocol::api::NewMeeting {
            title: title.to_owned(),
            participant_ids: participant_ids.to_vec(),
            scheduled_at: None,
        })
        .await
    }

    /// Creates a meeting, with a time when it has one.
    pub async fn schedule_meeting(
        &self,
        new: &switchboard_protocol::api::NewMeeting,
    ) -> Result<switchboard_protocol::api::Meeting, ClientError> {
        self.post("/api/meetings/", json!(new)).await
    }

    /// One page of the meetings this user hosts or takes part in, newest first.
    pub async fn meetings(
        &self,
        page: u32,
        page_size: u32,
    ) -> Result<Page<switchboard_protocol::api::Meeting>, ClientError> {
        self.get(&format!("/api/meetings/?page={page}&page_size={page_size}"))
            .await
    }

    /// Starts a meeting's call (it becomes `ongoing`; its members are told).
    pub async fn start_meeting_call(
        &self,
        meeting_id: i64,
    ) -> Result<switchboard_protocol::api::VideoCallSession, ClientError> {
        self.post("/api/health/call/start", json!({"meeting_id": meeting_id}))
            .await
    }

    /// Ends a meeting's call (it becomes `completed`; its members are told).
    pub async fn end_meeting_call(
        &self,
        call_id: i64,
    ) -> Result<switchboard_protocol::api::VideoCallSession, ClientError> {
        self.post("/api/health/call/end", json!({"call_id": call_id}))
            .await
    }

    pub async fn meeting(
        &self,
        meeting_id: i64,
    ) -> Result<switchboard_protocol::api::Meeting, ClientError> {
        self.get(&format!("/api/meetings/{meeting_id}/")).await
    }

    /// Deletes a meeting (its host only); anyone still in its room is put out of it.
    pub async fn delete_meeting(&self, meeting_id: i64) -> Result<(), ClientError> {
        self.request::<Value>(
            Method::DELETE,
            &format!("/api/meetings/{meeting_id}/"),
            None,
        )
        .await
        .map(|_| ())
    }

    /// One page of call history, newest first.
    pub async fn history(
        &self,
        page: u32,
        page_size: u32,
    ) -> Result<Page<CallSession>, ClientError> {
        self.history_where(page, page_size, &HistoryFilter::default())
            .await
    }

    /// One page of the calls `filter` picks, newest first.
    pub async fn history_where(
        &self,
        page: u32,
        page_size: u32,
        filter: &HistoryFilter,
    ) -> Result<Page<CallSession>, ClientError> {
        // Built before the request: the serializer may not be held across an await (it is
        // not Send).
        let query = {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("page", &page.to_string());
            query.append_pair("page_size", &page_size.to_string());
            if let Some((kind, id)) = &filter.regarding {
                query.append_pair("regarding_type", kind);
                query.append_pair("regarding_id", id);
            }
            if let Some(outcome) = &filter.outcome {
                query.append_pair("outcome", outcome);
            }
            if let Some(text) = &filter.note_text {
                query.append_pair("q", text);
            }
            query.finish()
        };
        self.get(&format!("/api/jitsi-calls/?{query}")).await
    }
}

/// A transport error in words: refused, timed out, DNS ...
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        "the connection was refused or could not be made".into()
    } else {
        e.to_string()
    }
}

/// Which calls a history page lists (all when empty).
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    /// Calls about this record: (type, id).
    pub regarding: Option<(String, String)>,
    /// Calls a participant logged with this outcome.
    pub outcome: Option<String>,
    /// Calls whose notes contain this text.
    pub note_text: Option<String>,
}
