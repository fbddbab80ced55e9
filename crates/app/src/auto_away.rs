//! Auto-away: "away" after a while without keyboard or mouse input, back on activity.
//! A pure state machine; the shell reads the idle time (X11) and the controller applies
//! the steps to the server.

use std::time::Duration;
use switchboard_protocol::PresenceStatus;

/// How often the shell asks for the idle time: a return is noticed within this.
pub const POLL: Duration = Duration::from_secs(5);

/// What auto-away remembers: the status it replaced, while it is the one that set "away".
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AutoAway {
    replaced: Option<String>,
}

/// What to do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Nothing,
    /// Set "away", keeping the status message.
    GoAway {
        message: String,
    },
    /// The user is back: "online" again, with the message they had.
    ComeBack {
        message: String,
    },
}

/// What the step looks at.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Time since the last keyboard or mouse input.
    pub idle: Duration,
    /// Time since the previous step (the poll interval, or longer after a sleep): an
    /// input within it is a return, however short the setting.
    pub since_last_step: Duration,
    /// The setting; zero is off.
    pub after: Duration,
    /// My status and message as the server last said (`None`: not known yet).
    pub status: Option<(PresenceStatus, &'a str)>,
    pub in_call: bool,
}

impl AutoAway {
    /// Only an "online" status goes away by itself: busy, do-not-disturb or away chosen
    /// by hand stay as chosen. Never during a call. Once it set "away", any input (or the
    /// setting turned off) brings "online" back; a status changed meanwhile by hand (or
    /// from another device) is the user's, and auto-away lets go of it. A call taken
    /// while away (busy on the server) is waited out.
    pub fn step(&mut self, now: Inputs<'_>) -> Step {
        let Some((status, message)) = now.status else {
            return Step::Nothing;
        };
        if let Some(replaced) = &self.replaced {
            // A call answered while away shows as busy; the status after it is the
            // server's to restore, and then ours to bring back.
            if now.in_call {
                return Step::Nothing;
            }
            if status != PresenceStatus::Away {
                self.replaced = None;
                return Step::Nothing;
            }
            if now.after.is_zero() || now.idle < now.after || now.idle < now.since_last_step {
                let message = replaced.clone();
                self.replaced = None;
                return Step::ComeBack { message };
            }
            return Step::Nothing;
        }
        if now.after.is_zero()
            || now.in_call
            || status != PresenceStatus::Online
            || now.idle < now.after
        {
            return Step::Nothing;
        }
        self.replaced = Some(message.to_owned());
        Step::GoAway {
            message: message.to_owned(),
        }
    }

    /// Whether "away" is auto-away's own doing now.
    pub fn is_away(&self) -> bool {
        self.replaced.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PresenceStatus::*;

    const AFTER: Duration = Duration::from_secs(600);

    fn inputs(idle_s: u64, status: PresenceStatus, in_call: bool) -> Inputs<'static> {
        Inputs {
            idle: Duration::from_secs(idle_s),
            since_last_step: POLL,
            after: AFTER,
            status: Some((status, "at my desk")),
            in_call,
        }
    }

    #[test]
    fn online_goes_away_after_the_idle_time_and_comes_back_on_input() {
        let mut away = AutoAway::default();
        assert_eq!(away.step(inputs(599, Online, false)), Step::Nothing);
        assert_eq!(
            away.step(inputs(600, Online, false)),
            Step::GoAway {
                message: "at my desk".into()
            }
        );
        assert!(away.is_away());
        // Still idle: nothing more.
        assert_eq!(away.step(inputs(900, Away, false)), Step::Nothing);
        assert_eq!(
            away.step(inputs(2, Away, false)),
            Step::ComeBack {
                message: "at my desk".into()
            }
        );
        assert!(!away.is_away());
        assert_eq!(away.step(inputs(3, Online, false)), Step::Nothing);
    }

    #[test]
    fn an_input_between_two_looks_is_a_return_even_with_a_short_setting() {
        // Three seconds, looked at every five: the mouse moved four seconds ago.
        let short = |idle_s: u64, status| Inputs {
            after: Duration::from_secs(3),
            ..inputs(idle_s, status, false)
        };
        let mut away = AutoAway::default();
        assert!(matches!(away.step(short(3, Online)), Step::GoAway { .. }));
        assert_eq!(away.step(short(8, Away)), Step::Nothing);
        assert!(matches!(away.step(short(4, Away)), Step::ComeBack { .. }));
    }

    #[test]
    fn every_status_and_call_combination_from_rest() {
        // Exhaustive over the statuses, in a call or not, idle or not.
        for status in [Online, Away, Busy, Offline, Dnd] {
            for in_call in [false, true] {
                for idle in [0, 599, 600, 10_000] {
                    let mut away = AutoAway::default();
                    let step = away.step(inputs(idle, status, in_call));
                    let goes = status == Online && !in_call && idle >= 600;
                    assert_eq!(
                        matches!(step, Step::GoAway { .. }),
                        goes,
                        "{status:?}, in call {in_call}, idle {idle}: {step:?}"
                    );
                    if !goes {
                        assert_eq!(step, Step::Nothing);
                    }
                }
            }
        }
    }

    #[test]
    fn a_status_chosen_while_away_is_left_alone() {
        for chosen in [Online, Busy, Dnd, Offline] {
            let mut away = AutoAway::default();
            assert!(matches!(
                away.step(inputs(700, Online, false)),
                Step::GoAway { .. }
            ));
            // The user (or another device) chose a status meanwhile.
            assert_eq!(away.step(inputs(700, chosen, false)), Step::Nothing);
            assert!(!away.is_away());
            // Their return does not "restore" anything over their choice.
            assert_eq!(away.step(inputs(1, chosen, false)), Step::Nothing);
        }
    }

    #[test]
    fn a_call_taken_while_away_is_waited_out_and_the_setting_turned_off_ends_it() {
        let mut away = AutoAway::default();
        away.step(inputs(700, Online, false));
        // A call comes and is answered: the server shows busy meanwhile.
        assert_eq!(away.step(inputs(0, Busy, true)), Step::Nothing);
        assert!(away.is_away());
        // After it, the server shows away again: the user is plainly back.
        assert!(matches!(
            away.step(inputs(1, Away, false)),
            Step::ComeBack { .. }
        ));

        let mut away = AutoAway::default();
        away.step(inputs(700, Online, false));
        let off = Inputs {
            after: Duration::ZERO,
            ..inputs(700, Away, false)
        };
        assert!(matches!(away.step(off), Step::ComeBack { .. }));
        // Off: never away.
        let mut away = AutoAway::default();
        let off = Inputs {
            after: Duration::ZERO,
            ..inputs(100_000, Online, false)
        };
        assert_eq!(away.step(off), Step::Nothing);
    }

    #[test]
    fn an_unknown_status_does_nothing() {
        let mut away = AutoAway::default();
        let unknown = Inputs {
            status: None,
            ..inputs(100_000, Online, false)
        };
        assert_eq!(away.step(unknown), Step::Nothing);
    }
}
