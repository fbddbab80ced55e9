//! The sockets this instance holds, and delivery of bus events to them.
//!
//! Every socket task owns a bounded queue; delivery never waits on a socket. A socket whose
//! queue is full is too slow to keep: it is dropped from the hub, which closes its queue,
//! and its task closes the socket.

use crate::auth::TokenInfo;
use axum::extract::ws::Utf8Bytes;
use dashmap::DashMap;
use foldhash::fast::RandomState;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::broadcast;

/// The hub's maps, keyed by ids and token ids: foldhash, seeded per process, instead of
/// SipHash, which took 3.5k instructions of each socket's connect and close.
pub(crate) type Map<K, V> = DashMap<K, V, RandomState>;

/// A socket's id, unique across server instances (random high bits per process).
pub type ConnId = u64;

/// How many frames may wait for one socket before it counts as too slow.
pub const QUEUE_DEPTH: usize = 512;

/// A socket's outbound queue. flume's bounded queue allocates as frames arrive; tokio's
/// allocated a 32-slot block (1.5 KiB) up front for every socket, idle or not.
pub type OutboundTx = flume::Sender<Outbound>;
pub type OutboundRx = flume::Receiver<Outbound>;

pub fn outbound_queue(depth: usize) -> (OutboundTx, OutboundRx) {
    flume::bounded(depth)
}

/// The `presence_update` frames of one feed pass.
pub type PresenceBatch = std::sync::Arc<Vec<Utf8Bytes>>;

/// A signaling room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RoomKey {
    Call(i64),
    Meeting(i64),
}

/// Why a signaling room closed for good. Its sockets close with code 1000 (normal) and
/// this reason: the room's purpose is over, so clients stop instead of reconnecting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomEnd {
    CallEnded,
    MeetingDeleted,
}

impl RoomEnd {
    /// The close frame's reason, read by clients and people.
    pub fn reason(self) -> &'static str {
        match self {
            RoomEnd::CallEnded => "the call ended",
            RoomEnd::MeetingDeleted => "the meeting was deleted",
        }
    }
}

/// What a socket task is asked to write.
#[derive(Debug)]
pub enum Outbound {
    Text(Utf8Bytes),
    /// Close the socket with this code and reason (e.g. its token was revoked).
    Close {
        code: u16,
        reason: &'static str,
    },
    /// A `call_invite`; the task reports when it reached the device.
    Invite {
        call_id: i64,
        frame: Utf8Bytes,
    },
}

/// One delivery, as published on the bus.
#[derive(Clone, Debug)]
pub enum BusEvent {
    /// To every notification socket of one user.
    ToUser {
        user_id: i64,
        frame: Utf8Bytes,
        /// Set for `call_invite`, so delivery can mark the call `ringing`.
        invite_call: Option<i64>,
    },
    /// A token was revoked (sign-out): every socket opened with it closes.
    Revoked { jti: String },
    /// An account was cut off: its sockets opened with tokens of an epoch before
    /// `before_epoch` close (signed out everywhere), or all of them when that is `None`
    /// (disabled or deleted).
    CutOff {
        user_id: i64,
        before_epoch: Option<i64>,
    },
    /// A call was answered or ended: every instance drops its ring timer for it (the one
    /// that started the call holds it). No socket is written to.
    CallSettled { call_id: i64 },
    /// A call ended or a meeting was deleted: its room's sockets close.
    RoomClosed { room: RoomKey, why: RoomEnd },
    /// To every notification socket: one pass of the presence feed, written together.
    Presence { frames: PresenceBatch },
    /// To the members of a signaling room: one user (`target_user`) or all; the sender
    /// (`from_conn`) only when `echo` is set.
    ToRoom {
        room: RoomKey,
        from_conn: ConnId,
        target_user: Option<i64>,
        echo: bool,
        frame: Utf8Bytes,
    },
}

struct Conn {
    id: ConnId,
    user_id: i64,
    tx: OutboundTx,
}

pub struct Hub {
    users: Map<i64, Vec<Conn>>,
    rooms: Map<RoomKey, Vec<Conn>>,
    presence: broadcast::Sender<PresenceBatch>,
    /// Sockets by the token (`jti`) that opened them, so a sign-out can close them.
    tokens: Map<String, Vec<(ConnId, OutboundTx)>>,
    /// The same sockets by account: (token id, token epoch, socket), so cutting an account
    /// off closes them.
    accounts: Map<i64, Vec<(String, i64, ConnId)>>,
    next_conn: AtomicU64,
    /// Room members on other instances (conn, user), learnt from the bus.
    remote_rooms: Map<RoomKey, Vec<(ConnId, i64)>>,
    /// Local sockets whose join the bus has not yet ordered: they are not told of
    /// joins until their own comes back (see [`Hub::joined`]).
    unordered_joins: dashmap::DashSet<ConnId, RandomState>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        Hub {
            users: Map::default(),
            rooms: Map::default(),
            presence: broadcast::channel(64).0,
            tokens: Map::default(),
            accounts: Map::default(),
            next_conn: AtomicU64::new((u64::from(rand::random::<u32>()) << 32) | 1),
            remote_rooms: Map::default(),
            unordered_joins: dashmap::DashSet::default(),
        }
    }

    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    pub fn attach_user(&self, user_id: i64, id: ConnId, tx: OutboundTx) {
        self.users
            .entry(user_id)
            .or_default()
            .push(Conn { id, user_id, tx });
    }

    pub fn detach_user(&self, user_id: i64, id: ConnId) {
        self.users.remove_if_mut(&user_id, |_, conns| {
            conns.retain(|c| c.id != id);
            conns.is_empty()
        });
    }

    /// Notification sockets this instance holds for `user_id`.
    pub fn sockets_of(&self, user_id: i64) -> usize {
        self.users.get(&user_id).map_or(0, |c| c.len())
    }

    /// Notification sockets this instance holds, per user.
    pub fn socket_counts(&self) -> Vec<(i64, u32)> {
        self.users
            .iter()
            .map(|entry| {
                (
                    *entry.key(),
                    u32::try_from(entry.value().len()).unwrap_or(u32::MAX),
                )
            })
            .collect()
    }

    pub fn join_room(&self, room: RoomKey, user_id: i64, id: ConnId, tx: OutboundTx) {
        self.rooms
            .entry(room)
            .or_default()
            .push(Conn { id, user_id, tx });
    }

    /// Joins `room` and tells the members already there, under one lock: two sockets
    /// joining at the same moment cannot both be told of each other (and both offer).
    /// Local members only; a broker-backed bus must order joins across instances.
    pub fn join_room_announcing(
        &self,
        room: RoomKey,
        user_id: i64,
        id: ConnId,
        tx: OutboundTx,
        frame: Utf8Bytes,
    ) {
        let mut conns = self.rooms.entry(room).or_default();
        let mut delivered = 0;
        conns.retain(|c| keep(c, Outbound::Text(frame.clone()), &mut delivered));
        conns.push(Conn { id, user_id, tx });
    }

    /// Joins `room` without telling anyone yet: with several instances the bus orders
    /// joins, and [`Hub::joined`] announces them in that order.
    pub fn join_room_unordered(&self, room: RoomKey, user_id: i64, id: ConnId, tx: OutboundTx) {
        self.unordered_joins.insert(id);
        self.join_room(room, user_id, id, tx);
    }

    /// A join, in the bus's order (the same on every instance): its frame goes to the
    /// local members whose own join came earlier. So of two sockets joining at the same
    /// moment on two instances, exactly one is told of the other, as on one instance.
    pub fn joined(&self, room: RoomKey, id: ConnId, user_id: i64, frame: Utf8Bytes) {
        if let Some(mut conns) = self.rooms.get_mut(&room) {
            let mut delivered = 0;
            conns.retain(|c| {
                c.id == id
                    || self.unordered_joins.contains(&c.id)
                    || keep(c, Outbound::Text(frame.clone()), &mut delivered)
            });
        }
        if self.unordered_joins.remove(&id).is_none() {
            self.remote_rooms
                .entry(room)
                .or_default()
                .push((id, user_id));
        }
    }

    /// A member on another instance left.
    pub fn left_remotely(&self, room: RoomKey, id: ConnId) {
        self.remote_rooms.remove_if_mut(&room, |_, members| {
            members.retain(|(conn, _)| *conn != id);
            members.is_empty()
        });
    }

    pub fn leave_room(&self, room: RoomKey, id: ConnId) {
        self.unordered_joins.remove(&id);
        self.rooms.remove_if_mut(&room, |_, conns| {
            conns.retain(|c| c.id != id);
            conns.is_empty()
        });
    }

    /// Whether `user_id` has a socket in `room` (on any instance this one knows of).
    pub fn in_room(&self, room: RoomKey, user_id: i64) -> bool {
        self.rooms
            .get(&room)
            .is_some_and(|conns| conns.iter().any(|c| c.user_id == user_id))
            || self
                .remote_rooms
                .get(&room)
                .is_some_and(|members| members.iter().any(|(_, u)| *u == user_id))
    }

    /// Remembers that socket `id` was opened with `token`.
    pub fn bind_token(&self, token: &TokenInfo, id: ConnId, tx: OutboundTx) {
        self.tokens
            .entry(token.jti.clone())
            .or_default()
            .push((id, tx));
        self.accounts
            .entry(token.user_id)
            .or_default()
            .push((token.jti.clone(), token.epoch, id));
    }

    pub fn unbind_token(&self, token: &TokenInfo, id: ConnId) {
        self.tokens.remove_if_mut(&token.jti, |_, conns| {
            conns.retain(|(c, _)| *c != id);
            conns.is_empty()
        });
        self.accounts.remove_if_mut(&token.user_id, |_, conns| {
            conns.retain(|(_, _, c)| *c != id);
            conns.is_empty()
        });
    }

    /// Closes the sockets of `user_id` opened with tokens before `before_epoch` (all when
    /// `None`); returns how many were told to close.
    fn cut_off(&self, user_id: i64, before_epoch: Option<i64>, reason: &'static str) -> usize {
        let Some(conns) = self.accounts.get(&user_id).map(|c| c.clone()) else {
            return 0;
        };
        let mut closed = 0;
        for (jti, epoch, id) in conns {
            if before_epoch.is_some_and(|before| epoch >= before) {
                continue;
            }
            if let Some(sockets) = self.tokens.get(&jti) {
                closed += sockets
                    .iter()
                    .filter(|(c, tx)| {
                        *c == id && tx.try_send(Outbound::Close { code: 1008, reason }).is_ok()
                    })
                    .count();
            }
        }
        closed
    }

    pub fn subscribe_presence(&self) -> broadcast::Receiver<PresenceBatch> {
        self.presence.subscribe()
    }

    /// Hands `event` to the local sockets it is for; returns how many took it.
    pub fn deliver(&self, event: BusEvent) -> usize {
        match event {
            BusEvent::Presence { frames } => self.presence.send(frames).unwrap_or(0),
            BusEvent::CallSettled { .. } => 0,
            BusEvent::RoomClosed { room, why } => self.rooms.get(&room).map_or(0, |conns| {
                conns
                    .iter()
                    .filter(|c| {
                        c.tx.try_send(Outbound::Close {
                            code: 1000,
                            reason: why.reason(),
                        })
                        .is_ok()
                    })
                    .count()
            }),
            BusEvent::Revoked { jti } => match self.tokens.remove(&jti) {
                Some((_, conns)) => conns
                    .iter()
                    .filter(|(_, tx)| {
                        tx.try_send(Outbound::Close {
                            code: 1008,
                            reason: "signed out",
                        })
                        .is_ok()
                    })
                    .count(),
                None => 0,
            },
            BusEvent::CutOff {
                user_id,
                before_epoch,
            } => {
                // Shown inside "The server signed you out: …".
                let reason = if before_epoch.is_some() {
                    "signed out on every device"
                } else {
                    "an administrator disabled or deleted this account"
                };
                self.cut_off(user_id, before_epoch, reason)
            }
            BusEvent::ToUser {
                user_id,
                frame,
                invite_call,
            } => {
                let Some(mut conns) = self.users.get_mut(&user_id) else {
                    return 0;
                };
                let mut delivered = 0;
                conns.retain(|c| {
                    let out = match invite_call {
                        Some(call_id) => Outbound::Invite {
                            call_id,
                            frame: frame.clone(),
                        },
                        None => Outbound::Text(frame.clone()),
                    };
                    keep(c, out, &mut delivered)
                });
                delivered
            }
            BusEvent::ToRoom {
                room,
                from_conn,
                target_user,
                echo,
                frame,
            } => {
                let Some(mut conns) = self.rooms.get_mut(&room) else {
                    return 0;
                };
                let mut delivered = 0;
                conns.retain(|c| {
                    let wanted = (echo || c.id != from_conn)
                        && target_user.is_none_or(|target| target == c.user_id);
                    !wanted || keep(c, Outbound::Text(frame.clone()), &mut delivered)
                });
                delivered
            }
        }
    }
}

/// Queues `out` for `conn`; false (drop the socket) when it is gone or too slow.
fn keep(conn: &Conn, out: Outbound, delivered: &mut usize) -> bool {
    match conn.tx.try_send(out) {
        Ok(()) => {
            *delivered += 1;
            true
        }
        Err(flume::TrySendError::Full(_)) => {
            tracing::warn!(
                conn = conn.id,
                user_id = conn.user_id,
                "socket too slow; dropping it"
            );
            false
        }
        Err(flume::TrySendError::Disconnected(_)) => false,
    }
}

/// The seam between publishers and the sockets of every server instance. In-process now;
/// a broker-backed bus publishes to the broker and delivers what it receives to its hub.
pub trait Bus: Send + Sync + 'static {
    fn publish(&self, event: BusEvent);

    /// A socket joins a signaling room and the members already there are told.
    fn join_room(
        &self,
        hub: &Hub,
        room: RoomKey,
        user_id: i64,
        id: ConnId,
        tx: OutboundTx,
        frame: Utf8Bytes,
    ) {
        hub.join_room_announcing(room, user_id, id, tx, frame);
    }

    /// A socket left a signaling room.
    fn leave_room(&self, hub: &Hub, room: RoomKey, id: ConnId) {
        hub.leave_room(room, id);
    }
}

/// One instance: publishing is local delivery.
pub struct LocalBus(pub std::sync::Arc<Hub>);

impl Bus for LocalBus {
    fn publish(&self, event: BusEvent) {
        self.0.deliver(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(frame: Option<Outbound>) -> Option<String> {
        match frame {
            Some(Outbound::Text(t)) => Some(t.as_str().to_owned()),
            Some(Outbound::Invite { frame, .. }) => Some(frame.as_str().to_owned()),
            Some(Outbound::Close { reason, .. }) => Some(format!("close: {reason}")),
            None => None,
        }
    }

    #[test]
    fn room_delivery_skips_the_sender_and_honours_targets() {
        let hub = Hub::new();
        let room = RoomKey::Call(1);
        let (tx1, rx1) = outbound_queue(8);
        let (tx2, rx2) = outbound_queue(8);
        let (tx3, rx3) = outbound_queue(8);
        hub.join_room(room, 10, 1, tx1);
        hub.join_room(room, 20, 2, tx2);
        hub.join_room(RoomKey::Meeting(1), 30, 3, tx3);
        let event = |target_user, echo| BusEvent::ToRoom {
            room,
            from_conn: 1,
            target_user,
            echo,
            frame: "x".into(),
        };
        assert_eq!(hub.deliver(event(None, false)), 1);
        assert_eq!(text(rx2.try_recv().ok()), Some("x".into()));
        assert!(rx1.try_recv().is_err(), "never back to the sender");
        assert_eq!(
            hub.deliver(event(Some(10), false)),
            0,
            "the target is the sender"
        );
        assert_eq!(hub.deliver(event(None, true)), 2);
        assert!(rx3.try_recv().is_err(), "no message crosses rooms");
        assert!(hub.in_room(room, 20) && !hub.in_room(room, 30));
        hub.leave_room(room, 2);
        assert!(!hub.in_room(room, 20));
    }

    #[test]
    fn a_full_queue_drops_the_slow_socket_only() {
        let hub = Hub::new();
        let (slow, _keep_slow_open) = outbound_queue(1);
        let (fast, fast_rx) = outbound_queue(8);
        hub.attach_user(5, 1, slow);
        hub.attach_user(5, 2, fast);
        let event = || BusEvent::ToUser {
            user_id: 5,
            frame: "f".into(),
            invite_call: None,
        };
        assert_eq!(hub.deliver(event()), 2);
        assert_eq!(hub.deliver(event()), 1, "the slow one is full and dropped");
        assert_eq!(hub.sockets_of(5), 1);
        assert_eq!(
            (fast_rx.try_recv().is_ok(), fast_rx.try_recv().is_ok()),
            (true, true)
        );
        hub.detach_user(5, 2);
        assert_eq!(hub.sockets_of(5), 0);
    }
}
