//! The call state machine (SPEC §3) as a pure function, plus call naming helpers.
//!
//! ```text
//! pending ─deliver→ ringing ─answer→ active ─end→ completed
//!    └──────┬──────────┘
//!           ├─reject (recipient)→ rejected
//!           ├─cancel (initiator)→ cancelled
//!           └─timeout (server)──→ missed
//! any non-final ─fail→ failed
//! ```
//! Final states never change again. An active call can be put on hold and resumed by
//! either participant: it stays `active`, and who holds it is a second, smaller machine
//! ([`hold_transition`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a call session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CallStatus {
    Pending,
    Ringing,
    Active,
    Completed,
    Rejected,
    Cancelled,
    Missed,
    Failed,
}

impl CallStatus {
    pub const ALL: [CallStatus; 8] = [
        CallStatus::Pending,
        CallStatus::Ringing,
        CallStatus::Active,
        CallStatus::Completed,
        CallStatus::Rejected,
        CallStatus::Cancelled,
        CallStatus::Missed,
        CallStatus::Failed,
    ];

    /// Final states never change again.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            CallStatus::Pending | CallStatus::Ringing | CallStatus::Active
        )
    }

    /// True while the call still occupies its two users (ringing or talking).
    pub fn is_live(self) -> bool {
        !self.is_final()
    }

    /// How far along its life a call is: ringing comes after pending, talking after
    /// ringing, and any end after all of them. News of a call can arrive out of order (a
    /// command's reply after the server's push); a picture of an earlier stage is old.
    pub fn stage(self) -> u8 {
        match self {
            CallStatus::Pending => 0,
            CallStatus::Ringing => 1,
            CallStatus::Active => 2,
            CallStatus::Completed
            | CallStatus::Rejected
            | CallStatus::Cancelled
            | CallStatus::Missed
            | CallStatus::Failed => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Pending => "pending",
            CallStatus::Ringing => "ringing",
            CallStatus::Active => "active",
            CallStatus::Completed => "completed",
            CallStatus::Rejected => "rejected",
            CallStatus::Cancelled => "cancelled",
            CallStatus::Missed => "missed",
            CallStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for CallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CallStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("unknown call status {s:?}"))
    }
}

/// Audio-only or video call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CallType {
    #[default]
    Audio,
    Video,
}

impl CallType {
    pub fn as_str(self) -> &'static str {
        match self {
            CallType::Audio => "audio",
            CallType::Video => "video",
        }
    }
}

impl FromStr for CallType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "audio" => Ok(CallType::Audio),
            "video" => Ok(CallType::Video),
            other => Err(format!(
                "call_type must be \"audio\" or \"video\", not {other:?}"
            )),
        }
    }
}

/// Who is acting on a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Initiator,
    Recipient,
    /// The server itself: invite delivery, ring timeout, failure detection.
    System,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Initiator, Role::Recipient, Role::System];
}

/// What can happen to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallAction {
    /// The callee accepts.
    Answer,
    /// The callee declines.
    Reject,
    /// The caller hangs up before an answer.
    Cancel,
    /// Either participant hangs up. Before an answer this is the caller's cancel or the
    /// callee's reject, because that is what pressing "end" means to a user then.
    End,
    /// The invite reached one of the callee's devices.
    Deliver,
    /// Nobody answered within the ring timeout.
    Timeout,
    /// Media or server failure.
    Fail,
    /// A participant pauses the active call: no sound either way until resumed.
    Hold,
    /// The participant who held the call takes it back.
    Resume,
}

impl CallAction {
    pub const ALL: [CallAction; 9] = [
        CallAction::Answer,
        CallAction::Reject,
        CallAction::Cancel,
        CallAction::End,
        CallAction::Deliver,
        CallAction::Timeout,
        CallAction::Fail,
        CallAction::Hold,
        CallAction::Resume,
    ];

    /// The actions a participant may request over `update_status/`.
    pub const USER_ACTIONS: [CallAction; 6] = [
        CallAction::Answer,
        CallAction::Reject,
        CallAction::Cancel,
        CallAction::End,
        CallAction::Hold,
        CallAction::Resume,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallAction::Answer => "answer",
            CallAction::Reject => "reject",
            CallAction::Cancel => "cancel",
            CallAction::End => "end",
            CallAction::Deliver => "deliver",
            CallAction::Timeout => "timeout",
            CallAction::Fail => "fail",
            CallAction::Hold => "hold",
            CallAction::Resume => "resume",
        }
    }

    /// The seeds' response message for a user action.
    pub fn done_message(self) -> &'static str {
        match self {
            CallAction::Answer => "Call answered",
            CallAction::Reject => "Call rejected",
            CallAction::Cancel => "Call cancelled",
            CallAction::End => "Call ended",
            CallAction::Deliver => "Call ringing",
            CallAction::Timeout => "Call missed",
            CallAction::Fail => "Call failed",
            CallAction::Hold => "Call on hold",
            CallAction::Resume => "Call resumed",
        }
    }
}

impl FromStr for CallAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CallAction::USER_ACTIONS
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "action must be one of \"answer\", \"reject\", \"cancel\", \"end\", \"hold\", \"resume\", not {s:?}"
                )
            })
    }
}

/// Why a transition is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The call already reached a final state.
    #[error("this call has already ended ({0})")]
    AlreadyEnded(CallStatus),
    /// This role may never take this action.
    #[error("{}", role_refusal_text(*.action))]
    WrongRole { action: CallAction, role: Role },
    /// The action does not apply to the call's current state.
    #[error("cannot {} a call that is {}", .action.as_str(), .status)]
    WrongState {
        action: CallAction,
        status: CallStatus,
    },
    /// Hold on a call already held.
    #[error("this call is already on hold")]
    AlreadyOnHold,
    /// Resume on a call nobody holds.
    #[error("this call is not on hold")]
    NotOnHold,
    /// Resume by the participant who did not hold the call.
    #[error("only the person who put this call on hold can resume it")]
    HeldByOther,
}

fn role_refusal_text(action: CallAction) -> &'static str {
    match action {
        CallAction::Answer | CallAction::Reject => {
            "only the person being called can answer or reject this call"
        }
        CallAction::Cancel => "only the caller can cancel this call",
        CallAction::End => "only the two people in this call can end it",
        CallAction::Deliver | CallAction::Timeout => "only the server decides this",
        CallAction::Fail => "this role cannot fail a call",
        CallAction::Hold | CallAction::Resume => {
            "only the two people in this call can hold or resume it"
        }
    }
}

/// The call state machine: the state after `role` takes `action` on a call in `status`.
///
/// Checks, in order: final states never move; the role must be allowed the action; the
/// action must apply to the state.
pub fn transition(
    status: CallStatus,
    role: Role,
    action: CallAction,
) -> Result<CallStatus, Refusal> {
    use CallAction as A;
    use CallStatus as S;

    if status.is_final() {
        return Err(Refusal::AlreadyEnded(status));
    }
    let role_allowed = match action {
        A::Answer | A::Reject => role == Role::Recipient,
        A::Cancel => role == Role::Initiator,
        A::End | A::Hold | A::Resume => role != Role::System,
        A::Deliver | A::Timeout => role == Role::System,
        A::Fail => true,
    };
    if !role_allowed {
        return Err(Refusal::WrongRole { action, role });
    }
    let ringing = matches!(status, S::Pending | S::Ringing);
    let next = match action {
        A::Answer if ringing => S::Active,
        A::Reject if ringing => S::Rejected,
        A::Cancel if ringing => S::Cancelled,
        A::End if status == S::Active => S::Completed,
        A::End if role == Role::Initiator => S::Cancelled,
        A::End => S::Rejected,
        A::Deliver if ringing => S::Ringing,
        A::Timeout if ringing => S::Missed,
        A::Fail => S::Failed,
        A::Hold | A::Resume if status == S::Active => S::Active,
        _ => return Err(Refusal::WrongState { action, status }),
    };
    Ok(next)
}

/// Who holds an active call after participant `actor` asks to hold or resume it
/// (`on_hold_by`: who holds it now). Either participant may hold a call nobody holds;
/// only the one who held it may resume it. Any other action leaves it as it is. Check
/// [`transition`] first: this does not look at the call's status.
pub fn hold_transition(
    on_hold_by: Option<i64>,
    actor: i64,
    action: CallAction,
) -> Result<Option<i64>, Refusal> {
    match (action, on_hold_by) {
        (CallAction::Hold, None) => Ok(Some(actor)),
        (CallAction::Hold, Some(_)) => Err(Refusal::AlreadyOnHold),
        (CallAction::Resume, Some(holder)) if holder == actor => Ok(None),
        (CallAction::Resume, Some(_)) => Err(Refusal::HeldByOther),
        (CallAction::Resume, None) => Err(Refusal::NotOnHold),
        (_, held) => Ok(held),
    }
}

/// `MM:SS`, or `H:MM:SS` from one hour on (SPEC §3).
pub fn format_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// A Jitsi room name: `crm-YYYYMMDDHHMMSS-<8 hex>`; `random` supplies the hex part.
pub fn room_name(at: DateTime<Utc>, random: u32) -> String {
    format!("crm-{}-{random:08x}", at.format("%Y%m%d%H%M%S"))
}

/// Whether `name` has the shape [`room_name`] produces.
pub fn is_room_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("crm-") else {
        return false;
    };
    let Some((stamp, hex)) = rest.split_once('-') else {
        return false;
    };
    stamp.len() == 14
        && stamp.bytes().all(|b| b.is_ascii_digit())
        && hex.len() == 8
        && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use CallAction as A;
    use CallStatus as S;

    /// The expected outcome of every (state, role, action), written out as a table
    /// independently of `transition`'s code.
    fn expected(status: S, role: Role, action: A) -> Result<S, Refusal> {
        let refuse_role = Err(Refusal::WrongRole { action, role });
        let refuse_state = Err(Refusal::WrongState { action, status });
        if status.is_final() {
            return Err(Refusal::AlreadyEnded(status));
        }
        match (action, role, status) {
            (A::Answer, Role::Recipient, S::Pending | S::Ringing) => Ok(S::Active),
            (A::Answer, Role::Recipient, S::Active) => refuse_state,
            (A::Answer, _, _) => refuse_role,

            (A::Reject, Role::Recipient, S::Pending | S::Ringing) => Ok(S::Rejected),
            (A::Reject, Role::Recipient, S::Active) => refuse_state,
            (A::Reject, _, _) => refuse_role,

            (A::Cancel, Role::Initiator, S::Pending | S::Ringing) => Ok(S::Cancelled),
            (A::Cancel, Role::Initiator, S::Active) => refuse_state,
            (A::Cancel, _, _) => refuse_role,

            (A::End, Role::System, _) => refuse_role,
            (A::End, _, S::Active) => Ok(S::Completed),
            (A::End, Role::Initiator, _) => Ok(S::Cancelled),
            (A::End, Role::Recipient, _) => Ok(S::Rejected),

            (A::Deliver, Role::System, S::Pending | S::Ringing) => Ok(S::Ringing),
            (A::Deliver, Role::System, S::Active) => refuse_state,
            (A::Deliver, _, _) => refuse_role,

            (A::Timeout, Role::System, S::Pending | S::Ringing) => Ok(S::Missed),
            (A::Timeout, Role::System, S::Active) => refuse_state,
            (A::Timeout, _, _) => refuse_role,

            (A::Fail, _, _) => Ok(S::Failed),

            (A::Hold | A::Resume, Role::System, _) => refuse_role,
            (A::Hold | A::Resume, _, S::Active) => Ok(S::Active),
            (A::Hold | A::Resume, _, _) => refuse_state,
        }
    }

    #[test]
    fn every_state_role_action_matches_the_table() {
        let mut checked = 0;
        for status in S::ALL {
            for role in Role::ALL {
                for action in A::ALL {
                    assert_eq!(
                        transition(status, role, action),
                        expected(status, role, action),
                        "{status:?} × {role:?} × {action:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 8 * 3 * 9);
    }

    #[test]
    fn either_participant_holds_and_only_the_holder_resumes() {
        let (ann, bob) = (1, 2);
        for action in A::ALL {
            for held in [None, Some(ann), Some(bob)] {
                for actor in [ann, bob] {
                    let expected = match (action, held) {
                        (A::Hold, None) => Ok(Some(actor)),
                        (A::Hold, Some(_)) => Err(Refusal::AlreadyOnHold),
                        (A::Resume, None) => Err(Refusal::NotOnHold),
                        (A::Resume, Some(h)) if h == actor => Ok(None),
                        (A::Resume, Some(_)) => Err(Refusal::HeldByOther),
                        (_, held) => Ok(held),
                    };
                    assert_eq!(
                        hold_transition(held, actor, action),
                        expected,
                        "{action:?} by {actor} on a call held by {held:?}"
                    );
                }
            }
        }
        let msg = hold_transition(Some(bob), ann, A::Resume)
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "only the person who put this call on hold can resume it"
        );
    }

    #[test]
    fn final_states_never_change() {
        for status in S::ALL.into_iter().filter(|s| s.is_final()) {
            for role in Role::ALL {
                for action in A::ALL {
                    assert_eq!(
                        transition(status, role, action),
                        Err(Refusal::AlreadyEnded(status))
                    );
                }
            }
        }
    }

    #[test]
    fn every_reachable_path_ends_in_a_final_state() {
        // Walk the graph from pending: every state reached is either final or can still
        // reach a final state, and no transition leaves a final state.
        let mut frontier = vec![S::Pending];
        let mut seen = std::collections::HashSet::new();
        while let Some(status) = frontier.pop() {
            if !seen.insert(status) {
                continue;
            }
            for role in Role::ALL {
                for action in A::ALL {
                    if let Ok(next) = transition(status, role, action) {
                        frontier.push(next);
                    }
                }
            }
        }
        assert_eq!(
            seen.len(),
            8,
            "every status is reachable from pending: {seen:?}"
        );
    }

    #[test]
    fn refusal_messages_are_sentences_a_user_understands() {
        let msg = transition(S::Completed, Role::Initiator, A::End)
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "this call has already ended (completed)");
        let msg = transition(S::Ringing, Role::Initiator, A::Answer)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("only the person being called"), "{msg}");
        let msg = transition(S::Active, Role::Recipient, A::Answer)
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "cannot answer a call that is active");
    }

    #[test]
    fn status_strings_round_trip() {
        for status in S::ALL {
            assert_eq!(status.as_str().parse::<S>(), Ok(status));
            assert_eq!(
                serde_json::to_value(status).ok(),
                Some(serde_json::json!(status.as_str()))
            );
        }
        assert!("ended".parse::<S>().is_err());
    }

    #[test]
    fn only_user_actions_parse_from_requests() {
        for action in A::USER_ACTIONS {
            assert_eq!(action.as_str().parse::<A>(), Ok(action));
        }
        for internal in [A::Deliver, A::Timeout, A::Fail] {
            assert!(internal.as_str().parse::<A>().is_err());
        }
    }

    #[test]
    fn durations_format_like_the_seeds() {
        assert_eq!(format_duration(0), "00:00");
        assert_eq!(format_duration(14), "00:14");
        assert_eq!(format_duration(59 * 60 + 59), "59:59");
        assert_eq!(format_duration(3600), "1:00:00");
        assert_eq!(format_duration(3600 * 10 + 61), "10:01:01");
        assert_eq!(format_duration(-5), "00:00");
    }

    #[test]
    fn room_names_have_the_seed_shape() {
        let at = DateTime::parse_from_rfc3339("2025-11-22T19:54:04.775481Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let name = room_name(at, 0x05c2_8c55);
        assert_eq!(name, "crm-20251122195404-05c28c55");
        assert!(is_room_name(&name));
        assert!(!is_room_name("crm-2025112219540-05c28c55"));
        assert!(!is_room_name("crm-20251122195404-05C28C55"));
        assert!(!is_room_name("test-room-123"));
    }
}
