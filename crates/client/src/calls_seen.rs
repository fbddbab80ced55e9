//! Which calls the engine has reported, so each invite rings once and each status change
//! is reported once, whichever way it arrives (socket push, resync after a reconnect,
//! polling) and however often. Pure: the engine asks, then emits.

use std::collections::{HashMap, HashSet};
use switchboard_protocol::CallStatus;
use switchboard_protocol::api::CallSession;

#[derive(Debug, Default)]
pub struct CallsSeen {
    /// Calls already announced as incoming.
    announced: HashSet<i64>,
    /// The last status reported per call, and who held it then (a hold or resume changes
    /// no status but is reported too).
    statuses: HashMap<i64, (CallStatus, Option<i64>)>,
}

/// What to report about a call just seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Ring: the call is for me, still ringing, and not announced before.
    pub incoming: bool,
    /// Its status, or who holds it, differs from the last one reported.
    pub changed: bool,
}

/// The ring timeout SPEC gives servers (45 s), and a little for clocks that differ.
pub const STALE_INVITE: chrono::TimeDelta = chrono::TimeDelta::seconds(45 + 5);

/// What to do with a pushed invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invite {
    Ring,
    /// Announced before (pushed twice, or seen by a resync first).
    Seen,
    /// Sent longer ago than a call rings (a socket that delivers after the machine
    /// slept): ask the server, and ring only if it still rings.
    Stale,
}

impl CallsSeen {
    /// An invite pushed on the notification socket, sent at `sent` (the server's clock),
    /// read at `now`: rings the first time only, and never when it is old.
    pub fn invite(
        &mut self,
        call_id: i64,
        sent: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Invite {
        if self.announced.contains(&call_id) {
            Invite::Seen
        } else if now - sent > STALE_INVITE {
            Invite::Stale
        } else {
            self.announced.insert(call_id);
            Invite::Ring
        }
    }

    /// A call's current state, from any source. A picture of an earlier stage than one
    /// reported is old news, and nothing is reported: a command's reply that lost the race
    /// with the server's push (`initiate_call/` answered `pending` after the push said
    /// `active`, when the callee answered at once).
    pub fn saw(&mut self, me: i64, call: &CallSession) -> Report {
        let older = self
            .statuses
            .get(&call.id)
            .is_some_and(|(last, _)| call.status.stage() < last.stage());
        if older {
            return Report {
                incoming: false,
                changed: false,
            };
        }
        let ringing_for_me = call.recipient == me
            && matches!(call.status, CallStatus::Pending | CallStatus::Ringing);
        Report {
            incoming: ringing_for_me && self.announced.insert(call.id),
            changed: self
                .statuses
                .insert(call.id, (call.status, call.on_hold_by))
                != Some((call.status, call.on_hold_by)),
        }
    }

    /// Calls last seen ringing or active: fetched again after a reconnect, or on every
    /// poll, so an end that happened meanwhile is reported.
    pub fn live(&self) -> Vec<i64> {
        let mut live: Vec<i64> = self
            .statuses
            .iter()
            .filter(|(_, (status, _))| !status.is_final())
            .map(|(id, _)| *id)
            .collect();
        live.sort_unstable();
        live
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use switchboard_protocol::CallType;
    use switchboard_protocol::api::UserSummary;

    const ME: i64 = 2;

    fn call(id: i64, from: i64, to: i64, status: CallStatus) -> CallSession {
        let person = |id: i64| UserSummary {
            id,
            username: format!("u{id}"),
            email: String::new(),
            full_name: String::new(),
        };
        let epoch = DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default();
        CallSession::new(
            id,
            uuid::Uuid::nil(),
            format!("room-{id}"),
            CallType::Audio,
            status,
            person(from),
            person(to),
            None,
            None,
            epoch,
        )
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    #[test]
    fn an_invite_rings_once_whether_pushed_resynced_or_polled() {
        let mut seen = CallsSeen::default();
        assert_eq!(seen.invite(7, at(0), at(1)), Invite::Ring, "the push rings");
        assert_eq!(
            seen.invite(7, at(0), at(2)),
            Invite::Seen,
            "a repeated push does not"
        );
        let resynced = seen.saw(ME, &call(7, 1, ME, CallStatus::Ringing));
        assert_eq!(
            resynced,
            Report {
                incoming: false,
                changed: true
            }
        );
        // Polling first, then the push that was late: still one ring.
        assert!(seen.saw(ME, &call(8, 1, ME, CallStatus::Pending)).incoming);
        assert_eq!(seen.invite(8, at(0), at(1)), Invite::Seen);
    }

    #[test]
    fn an_invite_older_than_a_ring_is_checked_with_the_server_not_rung() {
        let mut seen = CallsSeen::default();
        // Clocks a few seconds apart, either way: still rings.
        assert_eq!(seen.invite(1, at(10), at(5)), Invite::Ring);
        assert_eq!(seen.invite(2, at(0), at(50)), Invite::Ring);
        // Delivered after the machine slept: the server decides.
        assert_eq!(seen.invite(3, at(0), at(51)), Invite::Stale);
        assert_eq!(seen.invite(3, at(0), at(600)), Invite::Stale);
        // The server says it was missed: reported as a change, never as a ring.
        let missed = seen.saw(ME, &call(3, 1, ME, CallStatus::Missed));
        assert_eq!(
            missed,
            Report {
                incoming: false,
                changed: true
            }
        );
        // A server with a longer ring timeout says it still rings: then it rings, once.
        assert_eq!(seen.invite(4, at(0), at(90)), Invite::Stale);
        assert!(seen.saw(ME, &call(4, 1, ME, CallStatus::Ringing)).incoming);
        assert_eq!(seen.invite(4, at(0), at(91)), Invite::Seen);
    }

    #[test]
    fn an_earlier_stage_seen_after_a_later_one_is_old_news() {
        // Every pair: seen at `later`, then a picture of `earlier`.
        for later in CallStatus::ALL {
            for earlier in CallStatus::ALL {
                if earlier.stage() >= later.stage() {
                    continue;
                }
                for (from, to) in [(1, ME), (ME, 1)] {
                    let mut seen = CallsSeen::default();
                    seen.saw(ME, &call(9, from, to, later));
                    let stale = seen.saw(ME, &call(9, from, to, earlier));
                    assert_eq!(
                        stale,
                        Report {
                            incoming: false,
                            changed: false
                        },
                        "{earlier:?} after {later:?}"
                    );
                    // And it did not stand in for the later one.
                    assert!(!seen.saw(ME, &call(9, from, to, later)).changed);
                }
            }
        }
        // The race it is for: the caller's own `pending` reply after the push's `active`,
        // then the hold that follows is still reported.
        let mut seen = CallsSeen::default();
        seen.saw(ME, &call(5, ME, 1, CallStatus::Active));
        assert!(!seen.saw(ME, &call(5, ME, 1, CallStatus::Pending)).changed);
        let mut held = call(5, ME, 1, CallStatus::Active);
        held.on_hold_by = Some(ME);
        assert!(seen.saw(ME, &held).changed);
    }

    #[test]
    fn each_status_change_is_reported_once() {
        let mut seen = CallsSeen::default();
        let statuses = [
            CallStatus::Pending,
            CallStatus::Pending,
            CallStatus::Ringing,
            CallStatus::Active,
            CallStatus::Active,
            CallStatus::Completed,
            CallStatus::Completed,
        ];
        let changes: Vec<bool> = statuses
            .iter()
            .map(|s| seen.saw(ME, &call(9, 1, ME, *s)).changed)
            .collect();
        assert_eq!(changes, [true, false, true, true, false, true, false]);
    }

    #[test]
    fn a_hold_and_a_resume_are_each_reported_once() {
        let mut seen = CallsSeen::default();
        let active = call(9, 1, ME, CallStatus::Active);
        let held = CallSession {
            on_hold_by: Some(1),
            ..active.clone()
        };
        let changes: Vec<bool> = [&active, &held, &held, &active, &active]
            .iter()
            .map(|c| seen.saw(ME, c).changed)
            .collect();
        assert_eq!(changes, [true, true, false, true, false]);
        assert_eq!(seen.live(), [9]);
    }

    #[test]
    fn only_calls_to_me_that_still_ring_are_incoming() {
        let mut seen = CallsSeen::default();
        assert!(
            !seen.saw(ME, &call(1, ME, 3, CallStatus::Ringing)).incoming,
            "my own outgoing call"
        );
        assert!(
            !seen.saw(ME, &call(2, 1, ME, CallStatus::Active)).incoming,
            "already answered"
        );
        assert!(
            !seen.saw(ME, &call(3, 1, ME, CallStatus::Missed)).incoming,
            "already over"
        );
        assert!(seen.saw(ME, &call(4, 1, ME, CallStatus::Ringing)).incoming);
    }

    #[test]
    fn live_calls_are_those_not_final() {
        let mut seen = CallsSeen::default();
        seen.saw(ME, &call(5, 1, ME, CallStatus::Active));
        seen.saw(ME, &call(3, ME, 4, CallStatus::Ringing));
        seen.saw(ME, &call(4, 1, ME, CallStatus::Rejected));
        assert_eq!(seen.live(), [3, 5]);
        seen.saw(ME, &call(5, 1, ME, CallStatus::Completed));
        assert_eq!(seen.live(), [3]);
    }
}
