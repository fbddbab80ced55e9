//! Two negotiators stepped against each other in simulated time, the way str0m's tests
//! step two peers: every frame goes through the server's real encoding (`ServerSignal`),
//! and each side has a stand-in media peer that creates and applies descriptions at once.

use std::collections::VecDeque;
use std::time::{Duration, Instant};
use switchboard_client::negotiator::{
    ANSWER_TIMEOUT, Action, MAX_OFFERS, Negotiator, Outgoing, Policy, State,
};
use switchboard_protocol::signal::{MemberNotice, ServerSignal, SessionDescription, raw_payload};

/// A stand-in media peer with WebRTC's signaling states: it refuses what webrtc-rs
/// refuses (a remote offer while its own offer is applied, an answer with no offer out),
/// and its descriptions carry an `o=` line whose session id names the peer connection.
/// Like the real one, it applies a renegotiation offer (one made with a remote already
/// set) only when the answer comes, so it can answer an offer that crosses it.
#[derive(Debug, Default)]
struct Media {
    generation: u32,
    local: Option<String>,
    remote: Option<String>,
    /// The first offer, applied: no remote offer can be taken now.
    offer_out: bool,
    /// A renegotiation offer not applied yet.
    unapplied: Option<String>,
    candidates: Vec<String>,
    made: u32,
}

impl Media {
    fn session(&self, id: i64) -> String {
        format!("{id}0{}", self.generation)
    }

    fn sdp(&mut self, id: i64, kind: &str) -> String {
        self.made += 1;
        format!(
            "v=0\r\no=- {} {} IN IP4 0.0.0.0\r\ns={kind}\r\n",
            self.session(id),
            self.made
        )
    }
}

/// The session id in an SDP.
fn session_of(sdp: &str) -> Option<&str> {
    sdp.lines()
        .find_map(|l| l.strip_prefix("o="))
        .and_then(|o| o.split_whitespace().nth(1))
}

/// One side: its negotiator, its media, and the frames the server has for it.
struct Side {
    id: i64,
    neg: Negotiator,
    media: Media,
    inbox: VecDeque<String>,
    sent_offers: u32,
    sent_answers: u32,
    left: Vec<bool>,
}

impl Side {
    fn new(id: i64, peer: i64, policy: Policy) -> Side {
        Side {
            id,
            neg: Negotiator::new(id, peer, policy),
            media: Media::default(),
            inbox: VecDeque::new(),
            sent_offers: 0,
            sent_answers: 0,
            left: Vec::new(),
        }
    }

    /// Runs `actions` (and what they lead to); returns the frames for the other side, as
    /// the server relays them.
    fn run(&mut self, mut actions: Vec<Action>, now: Instant) -> Vec<String> {
        let mut out = Vec::new();
        while !actions.is_empty() {
            let mut next = Vec::new();
            for action in actions {
                match action {
                    Action::CreateOffer => {
                        let sdp = self.media.sdp(self.id, "offer");
                        if self.media.remote.is_some() {
                            self.media.unapplied = Some(sdp.clone());
                        } else {
                            self.media.local = Some(sdp.clone());
                            self.media.offer_out = true;
                        }
                        next.extend(self.neg.offer_created(sdp, now));
                    }
                    Action::AcceptOffer(sdp) => {
                        if self.media.offer_out {
                            // webrtc-rs: no remote offer in have-local-offer.
                            self.neg.media_failed();
                            continue;
                        }
                        self.media.unapplied = None;
                        let answer = self.media.sdp(self.id, "answer");
                        self.media.remote = Some(sdp);
                        self.media.local = Some(answer.clone());
                        next.extend(self.neg.answer_created(answer));
                    }
                    Action::AcceptAnswer(sdp) => {
                        if let Some(offer) = self.media.unapplied.take() {
                            self.media.local = Some(offer);
                        } else if !self.media.offer_out {
                            self.neg.media_failed();
                            continue;
                        }
                        self.media.offer_out = false;
                        self.media.remote = Some(sdp);
                    }
                    Action::AddCandidate(c) => self.media.candidates.push(c),
                    Action::ResetPeer => {
                        self.media = Media {
                            generation: self.media.generation + 1,
                            made: self.media.made,
                            ..Media::default()
                        };
                    }
                    Action::PeerLeft { hung_up } => self.left.push(hung_up),
                    Action::Send(outgoing) => out.push(self.relayed(outgoing)),
                }
            }
            actions = next;
        }
        out
    }

    /// What the server sends the other member for `outgoing`.
    fn relayed(&mut self, outgoing: Outgoing) -> String {
        let from_email = format!("u{}@example.com", self.id).into();
        match outgoing {
            Outgoing::Offer(sdp) => {
                self.sent_offers += 1;
                let offer = raw_payload(&SessionDescription::offer(sdp));
                ServerSignal::WebrtcOffer {
                    offer: &offer,
                    from_user: self.id,
                    from_email,
                }
                .to_json()
            }
            Outgoing::Answer(sdp) => {
                self.sent_answers += 1;
                let answer = raw_payload(&SessionDescription::answer(sdp));
                ServerSignal::WebrtcAnswer {
                    answer: &answer,
                    from_user: self.id,
                    from_email,
                }
                .to_json()
            }
            Outgoing::Candidate(json) => {
                let candidate = serde_json::value::RawValue::from_string(json).unwrap_or_default();
                ServerSignal::IceCandidate {
                    candidate: &candidate,
                    from_user: self.id,
                }
                .to_json()
            }
        }
    }

    /// Handles one frame from the server.
    fn receive(&mut self, frame: &str, now: Instant) -> Vec<String> {
        let signal = ServerSignal::parse(frame).unwrap_or(ServerSignal::Pong);
        let actions = self.neg.on_signal(&signal);
        self.run(actions, now)
    }
}

fn notice(kind: &str, id: i64) -> String {
    let who = MemberNotice {
        user_id: id,
        email: format!("u{id}@example.com").into(),
        full_name: format!("User {id}").into(),
        message: format!("User {id} {kind}").into(),
    };
    match kind {
        "joined" => ServerSignal::UserJoined(who),
        "left" => ServerSignal::UserLeft(who),
        _ => ServerSignal::CallLeft(who),
    }
    .to_json()
}

/// Delivers frames both ways until nothing is left; `drop` may discard a frame in flight.
fn progress(l: &mut Side, r: &mut Side, now: Instant, drop: &mut dyn FnMut(&str) -> bool) {
    for _ in 0..100 {
        let (to, other, frame) = if let Some(frame) = l.inbox.pop_front() {
            (&mut *l, &mut *r, frame)
        } else if let Some(frame) = r.inbox.pop_front() {
            (&mut *r, &mut *l, frame)
        } else {
            return;
        };
        for out in to.receive(&frame, now) {
            if !drop(&out) {
                other.inbox.push_back(out);
            }
        }
    }
    panic!("the two sides never settled");
}

fn keep_all(_: &str) -> bool {
    false
}

/// Both sides are settled, each with the other's current peer connection as its remote.
fn assert_connected(a: &Side, b: &Side) {
    assert_eq!(a.neg.state(), State::Settled, "{:?}", a.media);
    assert_eq!(b.neg.state(), State::Settled, "{:?}", b.media);
    for (this, other) in [(a, b), (b, a)] {
        assert!(
            !this.media.offer_out && this.media.unapplied.is_none(),
            "{} still has an offer out",
            this.id
        );
        assert_eq!(
            this.media.remote.as_deref().and_then(session_of),
            Some(other.media.session(other.id).as_str()),
            "{}'s remote is not {}'s current peer",
            this.id,
            other.id
        );
    }
}

fn pair(policy: Policy) -> (Side, Side) {
    (Side::new(1, 2, policy), Side::new(2, 1, policy))
}

#[test]
fn the_member_already_there_offers_and_the_late_joiner_answers() {
    let now = Instant::now();
    for policy in [Policy::KeepMedia, Policy::Renegotiate] {
        let (mut a, mut b) = pair(policy);
        // B joins: the server tells A, never B.
        a.inbox.push_back(notice("joined", 2));
        progress(&mut a, &mut b, now, &mut keep_all);
        assert_connected(&a, &b);
        assert_eq!((a.sent_offers, b.sent_offers, b.sent_answers), (1, 0, 1));
        // Candidates trickle both ways whatever the state.
        let out = a.run(a.neg.local_candidate(r#"{"candidate":"c1"}"#.into()), now);
        b.inbox.extend(out);
        progress(&mut a, &mut b, now, &mut keep_all);
        assert_eq!(b.media.candidates, [r#"{"candidate":"c1"}"#]);
    }
}

#[test]
fn in_glare_the_polite_side_drops_its_offer_and_answers() {
    let now = Instant::now();
    // A meeting: the polite side answers on a fresh peer.
    {
        let (mut a, mut b) = pair(Policy::Renegotiate);
        // Both believe the other joined after them: both offer at once.
        let to_b = a.receive(&notice("joined", 2), now);
        let to_a = b.receive(&notice("joined", 1), now);
        b.inbox.extend(to_b);
        a.inbox.extend(to_a);
        progress(&mut a, &mut b, now, &mut keep_all);
        assert_connected(&a, &b);
        // B (the higher id) gave way on a fresh peer: A's offer won, B answered it.
        assert_eq!((a.sent_answers, b.sent_answers), (0, 1));
        assert_eq!((a.media.generation, b.media.generation), (0, 1));
    }
}

#[test]
fn in_a_call_both_turning_video_on_at_once_the_polite_side_answers_then_offers_again() {
    let now = Instant::now();
    let (mut a, mut b) = pair(Policy::KeepMedia);
    a.inbox.push_back(notice("joined", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_connected(&a, &b);
    // Both change their media before either hears of the other's offer.
    let actions = a.neg.renegotiate();
    let to_b = a.run(actions, now);
    let actions = b.neg.renegotiate();
    let to_a = b.run(actions, now);
    assert_eq!((to_a.len(), to_b.len()), (1, 1), "both offers are out");
    b.inbox.extend(to_b);
    a.inbox.extend(to_a);
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_connected(&a, &b);
    // A (the lower id) ignored B's offer; B answered A's on the same peer, then made its
    // own again, which A answered.
    assert_eq!((a.sent_offers, a.sent_answers), (2, 1));
    assert_eq!((b.sent_offers, b.sent_answers), (2, 2));
    assert_eq!(
        (a.media.generation, b.media.generation),
        (0, 0),
        "no new peer"
    );
    assert_eq!(
        b.media.local.as_deref().map(|sdp| sdp.contains("s=offer")),
        Some(true)
    );
    assert_eq!(a.neg.poll_timeout(), None);
}

#[test]
fn a_lost_answer_is_recovered_by_offering_again() {
    let start = Instant::now();
    for policy in [Policy::KeepMedia, Policy::Renegotiate] {
        let (mut a, mut b) = pair(policy);
        let mut answers_dropped = 0;
        let mut drop_first_answer = |frame: &str| {
            let lose = frame.contains("webrtc_answer") && answers_dropped == 0;
            answers_dropped += usize::from(lose);
            lose
        };
        a.inbox.push_back(notice("joined", 2));
        progress(&mut a, &mut b, start, &mut drop_first_answer);
        assert!(matches!(a.neg.state(), State::AwaitingAnswer { .. }));
        let due = a.neg.poll_timeout().unwrap_or(start);
        assert_eq!(due, start + ANSWER_TIMEOUT);
        // Nothing happens before the deadline.
        assert!(a.neg.on_timeout(due - Duration::from_millis(1)).is_empty());
        let actions = a.neg.on_timeout(due);
        let out = a.run(actions, due);
        b.inbox.extend(out);
        progress(&mut a, &mut b, due, &mut keep_all);
        assert_connected(&a, &b);
        assert_eq!((a.sent_offers, b.sent_answers), (2, 2));
        assert_eq!(a.neg.poll_timeout(), None);
        // The re-offer came from the same peer connection: B renegotiated in place.
        assert_eq!((a.media.generation, b.media.generation), (0, 0));
    }
}

#[test]
fn an_answer_that_comes_after_the_re_offer_still_connects() {
    let start = Instant::now();
    for policy in [Policy::KeepMedia, Policy::Renegotiate] {
        let (mut a, mut b) = pair(policy);
        let mut late = Vec::new();
        let mut hold_first_answer = |frame: &str| {
            let hold = frame.contains("webrtc_answer") && late.is_empty();
            if hold {
                late.push(frame.to_owned());
            }
            hold
        };
        a.inbox.push_back(notice("joined", 2));
        progress(&mut a, &mut b, start, &mut hold_first_answer);
        let due = a.neg.poll_timeout().unwrap_or(start);
        let actions = a.neg.on_timeout(due);
        let out = a.run(actions, due);
        // The first answer arrives only now, before B has seen the re-offer.
        a.inbox.extend(late.drain(..));
        b.inbox.extend(out);
        progress(&mut a, &mut b, due, &mut keep_all);
        assert_connected(&a, &b);
    }
}

#[test]
fn an_offer_nobody_answers_is_made_a_bounded_number_of_times() {
    let mut now = Instant::now();
    let mut a = Side::new(1, 2, Policy::Renegotiate);
    let _ = a.receive(&notice("joined", 2), now);
    while let Some(due) = a.neg.poll_timeout() {
        now = due;
        let actions = a.neg.on_timeout(now);
        let _ = a.run(actions, now);
    }
    assert_eq!(a.sent_offers, MAX_OFFERS);
}

#[test]
fn a_rejoin_after_a_server_restart_keeps_a_calls_media_and_renegotiates_a_meeting() {
    let now = Instant::now();
    // 1:1 call: both sockets dropped and came back; A was first, so it hears B join.
    let (mut a, mut b) = pair(Policy::KeepMedia);
    a.inbox.push_back(notice("joined", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    let before = (a.media.local.clone(), b.media.local.clone());
    b.inbox.push_back(notice("left", 1));
    a.inbox.push_back(notice("left", 2));
    a.inbox.push_back(notice("joined", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_connected(&a, &b);
    assert_eq!(
        (a.media.local.clone(), b.media.local.clone()),
        before,
        "no new negotiation"
    );
    assert_eq!((a.left.clone(), b.left.clone()), (vec![false], vec![false]));
    assert_eq!(a.sent_offers, 1);

    // Meeting: the member who comes back starts over with fresh media on both sides.
    let (mut a, mut b) = pair(Policy::Renegotiate);
    a.inbox.push_back(notice("joined", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    a.inbox.push_back(notice("left", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_eq!(a.neg.state(), State::Idle);
    b = Side::new(2, 1, Policy::Renegotiate);
    b.media.generation = 5; // its app restarted: a new peer connection
    a.inbox.push_back(notice("joined", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_connected(&a, &b);
    assert_eq!(a.sent_offers, 2);
}

#[test]
fn leave_call_is_a_hang_up_and_a_closed_socket_is_not() {
    let now = Instant::now();
    let (mut a, mut b) = pair(Policy::KeepMedia);
    a.inbox.push_back(notice("joined", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    let _ = a.receive(&notice("left", 2), now);
    assert_eq!(a.left, [false]);
    assert_eq!(a.neg.state(), State::Settled, "the media may flow on");
    let _ = a.receive(&notice("hung up", 2), now);
    assert_eq!(a.left, [false, true]);
}

#[test]
fn a_change_of_media_in_a_settled_call_is_offered_again_on_the_same_peers() {
    let now = Instant::now();
    let (mut a, mut b) = pair(Policy::KeepMedia);
    a.inbox.push_back(notice("joined", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_connected(&a, &b);
    // B (the answerer) turns video on: it offers this time, and A answers in place.
    let actions = b.neg.renegotiate();
    let to_a = b.run(actions, now);
    a.inbox.extend(to_a);
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_connected(&a, &b);
    assert_eq!((a.sent_offers, b.sent_offers), (1, 1));
    assert_eq!((a.sent_answers, b.sent_answers), (1, 1));
    assert_eq!(
        (a.media.generation, b.media.generation),
        (0, 0),
        "no new peer on either side"
    );
}

#[test]
fn a_change_of_media_during_a_negotiation_is_offered_once_it_settles() {
    let now = Instant::now();
    // The offerer, with its first offer out.
    let (mut a, mut b) = pair(Policy::KeepMedia);
    let to_b = a.receive(&notice("joined", 2), now);
    let actions = a.neg.renegotiate();
    assert!(a.run(actions, now).is_empty(), "waits for the answer");
    b.inbox.extend(to_b);
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_connected(&a, &b);
    assert_eq!(
        (a.sent_offers, b.sent_answers),
        (2, 2),
        "offered again after"
    );

    // The answerer, before the offer came.
    let (mut a, mut b) = pair(Policy::KeepMedia);
    let actions = b.neg.renegotiate();
    assert!(b.run(actions, now).is_empty(), "nothing to offer on yet");
    a.inbox.push_back(notice("joined", 2));
    progress(&mut a, &mut b, now, &mut keep_all);
    assert_connected(&a, &b);
    assert_eq!(
        (b.sent_answers, b.sent_offers),
        (1, 1),
        "answered, then offered"
    );
}
