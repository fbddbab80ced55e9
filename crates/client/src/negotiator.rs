//! Offer/answer with one remote peer over a signaling room, as a state machine with no
//! IO: it is told what arrived (a [`ServerSignal`] from that peer, an SDP the media peer
//! created, the time) and answers with the [`Action`]s to take. The 1:1 call and the
//! meeting mesh both drive one per remote peer, and its tests step two of them against
//! each other in simulated time.
//!
//! The rules, from seed 002's client: the member already in the room when the other
//! joins gets `user_joined` and offers; the newcomer answers. When both offer at once
//! (glare), the member with the higher user id is polite: it drops its own offer and
//! answers the other's. In a meeting it answers on a fresh media peer; in a call
//! ([`Policy::KeepMedia`]) on the one it has, and offers its own change again once that
//! settles. (webrtc-rs cannot roll an offer back, so the media peer applies a
//! renegotiation offer locally only when its answer comes; the first offer of a call
//! crossing the other's is still not resolved, and nothing makes one.) An
//! offer left unanswered for [`ANSWER_TIMEOUT`] is made again from the same media peer,
//! up to [`MAX_OFFERS`] times (a lost answer must not leave a silent call). An offer from
//! the session already negotiated renegotiates the media in place; one from a new
//! session (the SDP `o=` line) means the other side started over.

use std::time::{Duration, Instant};
use switchboard_protocol::signal::ServerSignal;

/// How long an offer waits for its answer before it is made again.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// Offers made to one peer for one negotiation before giving up.
pub const MAX_OFFERS: u32 = 3;

/// What a settled negotiation does when the peer joins again, and what a new offer
/// is applied to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// 1:1 calls: the media flows peer to peer, so a rejoin after a server restart or a
    /// network blip changes nothing; the call keeps its one media peer throughout, and a
    /// new offer renegotiates on it.
    KeepMedia,
    /// Meetings: a member who joins again starts over (its app restarted), with a fresh
    /// media peer on this side too.
    Renegotiate,
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create an SDP offer on the media peer; report it with [`Negotiator::offer_created`].
    CreateOffer,
    /// Apply the peer's offer; report the answer with [`Negotiator::answer_created`].
    AcceptOffer(String),
    AcceptAnswer(String),
    /// A trickled ICE candidate from the peer (JSON, as the peer wrote it).
    AddCandidate(String),
    /// Replace the media peer with a fresh one before what follows.
    ResetPeer,
    /// Send to the peer (`target_id` is the peer).
    Send(Outgoing),
    /// The peer left: `hung_up` when it said so (`leave-call`), not when only its socket
    /// closed (that may be a server restart while the media flows on).
    PeerLeft {
        hung_up: bool,
    },
}

/// A message for the peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outgoing {
    Offer(String),
    Answer(String),
    /// An ICE candidate, as JSON.
    Candidate(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Nothing negotiated: waiting for the peer's offer, or for it to join.
    Idle,
    /// The media peer is creating our offer.
    MakingOffer,
    /// Our offer is out; its answer has not come.
    AwaitingAnswer { since: Instant },
    /// The media peer is creating our answer to the peer's offer.
    MakingAnswer,
    /// Offer and answer are both applied.
    Settled,
}

#[derive(Debug)]
pub struct Negotiator {
    me: i64,
    peer: i64,
    policy: Policy,
    state: State,
    /// Offers made in this negotiation, for [`MAX_OFFERS`].
    offers: u32,
    /// The session id (the SDP `o=` line) of the peer's media, once known: an offer in
    /// the same session renegotiates the media we have, one from a new session comes
    /// from a fresh peer on the other side (its app or its media restarted).
    remote_session: Option<String>,
    /// This side's media changed while a negotiation ran: offer again once it settles.
    offer_when_settled: bool,
}

impl Negotiator {
    pub fn new(me: i64, peer: i64, policy: Policy) -> Self {
        Negotiator {
            me,
            peer,
            policy,
            state: State::Idle,
            offers: 0,
            remote_session: None,
            offer_when_settled: false,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn peer(&self) -> i64 {
        self.peer
    }

    /// This side's media changed in a way only a new offer carries (a video track added
    /// in a call): offer now if the negotiation is settled, or as soon as it is. (If both
    /// sides of a 1:1 call do this at the same moment, both offers cross: the polite side
    /// answers the other's, then offers its own again.)
    pub fn renegotiate(&mut self) -> Vec<Action> {
        if self.state == State::Settled {
            self.offers = 0;
            self.offer_again(false)
        } else {
            self.offer_when_settled = true;
            Vec::new()
        }
    }

    /// Settled: and if this side's media changed meanwhile, it offers again at once.
    fn settle(&mut self, mut actions: Vec<Action>) -> Vec<Action> {
        self.state = State::Settled;
        if std::mem::take(&mut self.offer_when_settled) {
            self.offers = 0;
            actions.extend(self.offer_again(false));
        }
        actions
    }

    /// In glare, the polite side gives way.
    fn polite(&self) -> bool {
        self.me > self.peer
    }

    /// Starts over with an offer; a fresh media peer where the policy allows one.
    fn offer_again(&mut self, fresh_peer: bool) -> Vec<Action> {
        self.state = State::MakingOffer;
        if fresh_peer && self.policy == Policy::Renegotiate {
            vec![Action::ResetPeer, Action::CreateOffer]
        } else {
            vec![Action::CreateOffer]
        }
    }

    /// Takes the peer's offer; a fresh media peer first when one is already negotiating.
    fn answer(&mut self, sdp: String, fresh_peer: bool) -> Vec<Action> {
        self.state = State::MakingAnswer;
        self.remote_session = session_of(&sdp);
        if fresh_peer && self.policy == Policy::Renegotiate {
            vec![Action::ResetPeer, Action::AcceptOffer(sdp)]
        } else {
            vec![Action::AcceptOffer(sdp)]
        }
    }

    /// A message from this negotiator's peer (the driver routes by `sender()`).
    pub fn on_signal(&mut self, signal: &ServerSignal<'_>) -> Vec<Action> {
        match signal {
            ServerSignal::UserJoined(_) => {
                self.offers = 0;
                match self.state {
                    State::Idle => self.offer_again(false),
                    State::Settled if self.policy == Policy::KeepMedia => Vec::new(),
                    // It joined again: whatever it had negotiated is gone.
                    _ => {
                        self.remote_session = None;
                        self.offer_again(true)
                    }
                }
            }
            ServerSignal::WebrtcOffer { offer, .. } => {
                let Some(sdp) = sdp_of(offer.get()) else {
                    return Vec::new();
                };
                match self.state {
                    State::Idle => self.answer(sdp, false),
                    // Offered again. From the same session (its answer was lost, or it
                    // renegotiates), answer on the media we have; from a new one, the
                    // other side started over, and so do we (in a meeting).
                    State::MakingAnswer | State::Settled => {
                        let restarted = session_of(&sdp) != self.remote_session;
                        self.answer(sdp, restarted)
                    }
                    State::MakingOffer | State::AwaitingAnswer { .. } => {
                        if self.polite() {
                            // On the peer it has (a call), its own change has not gone
                            // out yet: that offer was dropped, so it is made again.
                            if self.policy == Policy::KeepMedia {
                                self.offer_when_settled = true;
                            }
                            self.answer(sdp, true)
                        } else {
                            // The other side is polite and will answer ours.
                            Vec::new()
                        }
                    }
                }
            }
            ServerSignal::WebrtcAnswer { answer, .. } => match (self.state, sdp_of(answer.get())) {
                (State::AwaitingAnswer { .. }, Some(sdp)) => {
                    self.remote_session = session_of(&sdp);
                    self.settle(vec![Action::AcceptAnswer(sdp)])
                }
                // A late answer to an offer made again, or to none: nothing to apply.
                _ => Vec::new(),
            },
            ServerSignal::IceCandidate { candidate, .. } => {
                vec![Action::AddCandidate(candidate.get().to_owned())]
            }
            ServerSignal::CallLeft(_) => {
                self.state = State::Idle;
                vec![Action::PeerLeft { hung_up: true }]
            }
            ServerSignal::UserLeft(_) => {
                if self.policy == Policy::Renegotiate {
                    self.state = State::Idle;
                }
                vec![Action::PeerLeft { hung_up: false }]
            }
            ServerSignal::CallJoined(_) | ServerSignal::Error { .. } | ServerSignal::Pong => {
                Vec::new()
            }
        }
    }

    /// The media peer created the offer [`Action::CreateOffer`] asked for.
    pub fn offer_created(&mut self, sdp: String, now: Instant) -> Vec<Action> {
        if self.state != State::MakingOffer {
            return Vec::new();
        }
        self.offers += 1;
        self.state = State::AwaitingAnswer { since: now };
        vec![Action::Send(Outgoing::Offer(sdp))]
    }

    /// The media peer created the answer [`Action::AcceptOffer`] asked for.
    pub fn answer_created(&mut self, sdp: String) -> Vec<Action> {
        if self.state != State::MakingAnswer {
            return Vec::new();
        }
        self.settle(vec![Action::Send(Outgoing::Answer(sdp))])
    }

    /// The media peer could not do what it was asked: wait for the next offer or join.
    pub fn media_failed(&mut self) {
        self.state = State::Idle;
    }

    /// A local ICE candidate (JSON) for the peer.
    pub fn local_candidate(&self, candidate: String) -> Vec<Action> {
        vec![Action::Send(Outgoing::Candidate(candidate))]
    }

    /// When [`Negotiator::on_timeout`] is next due, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::AwaitingAnswer { since } if self.offers < MAX_OFFERS => {
                Some(since + ANSWER_TIMEOUT)
            }
            _ => None,
        }
    }

    /// The time passed: an offer that waited too long is made again, from the same media
    /// peer, so an answer to the first one that comes late still fits it.
    pub fn on_timeout(&mut self, now: Instant) -> Vec<Action> {
        match self.poll_timeout() {
            Some(due) if now >= due => self.offer_again(false),
            _ => Vec::new(),
        }
    }
}

/// The session id of an SDP (`o=<user> <session id> <version> ...`), which stays the same
/// across re-offers from one peer connection.
fn session_of(sdp: &str) -> Option<String> {
    sdp.lines()
        .find_map(|line| line.strip_prefix("o="))
        .and_then(|origin| origin.split_whitespace().nth(1))
        .map(str::to_owned)
}

/// The SDP of an offer or answer payload; `None` when it is not one.
fn sdp_of(payload: &str) -> Option<String> {
    serde_json::from_str::<switchboard_protocol::signal::SessionDescription>(payload)
        .ok()
        .map(|d| d.sdp)
}
