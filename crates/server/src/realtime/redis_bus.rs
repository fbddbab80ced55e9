//! The bus across server instances, on Redis pub/sub.
//!
//! Every instance publishes what it delivers on one channel and delivers what the others
//! publish to the sockets it holds. Its own events it delivers at once, without the round
//! trip (they come back from Redis with its origin id and are skipped). Committed
//! presence rows travel the same way, so every instance's presence cache — which the
//! presence feed reads — follows every instance's commits; each feed then pushes the same
//! changes to its own sockets.
//!
//! One publisher task keeps the order of events; a lost Redis connection is retried with
//! backoff, and what is published meanwhile reaches this instance's sockets only.

use super::hub::{BusEvent, ConnId, Hub, RoomEnd, RoomKey};
use super::{Bus, Realtime};

use axum::extract::ws::Utf8Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Weak};
use std::time::Duration;
use switchboard_protocol::PresenceState;
use tokio::sync::mpsc;

/// One bus message as it crosses Redis: the events an instance queued while its last
/// message was in flight, in order.
#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The publishing instance, so it can skip its own messages.
    origin: u64,
    /// When its oldest event was queued, in microseconds since the Unix epoch on the
    /// publisher's clock: the start of the bus lag a receiver measures. Absent from
    /// older instances' messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    queued_us: Option<i64>,
    events: Vec<Wire>,
}

/// An event waiting for the publisher, and when it was queued.
struct Queued {
    at_us: i64,
    wire: Wire,
}

/// Microseconds since the Unix epoch on this machine's clock (the bus's lag spans
/// processes, so `Instant` cannot measure it).
fn unix_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Queues `wire` for the publisher (which stops only with the server).
fn enqueue(outbox: &mpsc::UnboundedSender<Queued>, wire: Wire) {
    let _ = outbox.send(Queued {
        at_us: unix_micros(),
        wire,
    });
}

/// Events per message at most: one message stays small enough to publish at once.
const MAX_EVENTS_PER_MESSAGE: usize = 256;

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Wire {
    ToUser {
        user_id: i64,
        frame: String,
        invite_call: Option<i64>,
    },
    Revoked {
        jti: String,
    },
    CallSettled {
        call_id: i64,
    },
    CutOff {
        user_id: i64,
        before_epoch: Option<i64>,
    },
    RoomClosed {
        room: RoomKey,
        why: RoomEnd,
    },
    ToRoom {
        room: RoomKey,
        from_conn: u64,
        target_user: Option<i64>,
        echo: bool,
        frame: String,
    },
    /// A socket joined a room; every instance (its own too) handles joins in the bus's
    /// order.
    Joined {
        room: RoomKey,
        conn: u64,
        user_id: i64,
        frame: String,
    },
    Left {
        room: RoomKey,
        conn: u64,
    },
    /// Presence rows another instance committed, for the presence caches.
    Presence {
        changes: Vec<(i64, PresenceState)>,
    },
}

impl Wire {
    /// `None` for events that stay on this instance (each feed pushes its own presence).
    fn from_event(event: &BusEvent) -> Option<Wire> {
        Some(match event {
            BusEvent::ToUser {
                user_id,
                frame,
                invite_call,
            } => Wire::ToUser {
                user_id: *user_id,
                frame: frame.as_str().to_owned(),
                invite_call: *invite_call,
            },
            BusEvent::Revoked { jti } => Wire::Revoked { jti: jti.clone() },
            BusEvent::CallSettled { call_id } => Wire::CallSettled { call_id: *call_id },
            BusEvent::CutOff {
                user_id,
                before_epoch,
            } => Wire::CutOff {
                user_id: *user_id,
                before_epoch: *before_epoch,
            },
            BusEvent::RoomClosed { room, why } => Wire::RoomClosed {
                room: *room,
                why: *why,
            },
            BusEvent::ToRoom {
                room,
                from_conn,
                target_user,
                echo,
                frame,
            } => Wire::ToRoom {
                room: *room,
                from_conn: *from_conn,
                target_user: *target_user,
                echo: *echo,
                frame: frame.as_str().to_owned(),
            },
            BusEvent::Presence { .. } => return None,
        })
    }
}

/// `url` as an error may show it: without its user and password (`redis://:pw@host`), as
/// errors reach logs and terminals.
fn shown(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A client for `url`, or the error that says it is not a Redis URL.
fn open_client(url: &str) -> Result<redis::Client, BusError> {
    redis::Client::open(url).map_err(|e| BusError::BadUrl {
        url: shown(url),
        reason: e.to_string(),
    })
}

/// `connecting` to Redis at `url`, given 10 s: what it made, or why Redis is unreachable.
async fn reach<T>(
    url: &str,
    connecting: impl Future<Output = Result<T, redis::RedisError>>,
) -> Result<T, BusError> {
    let unreachable = |reason: String| BusError::Unreachable {
        url: shown(url),
        reason,
    };
    tokio::time::timeout(Duration::from_secs(10), connecting)
        .await
        .map_err(|_| unreachable("timed out".into()))?
        .map_err(|e| unreachable(e.to_string()))
}

/// Why the bus to the other instances could not start.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("{url} is not a Redis URL ({reason}); use redis://host:6379")]
    BadUrl { url: String, reason: String },
    #[error("cannot reach Redis at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("cannot encode a bus event: {0}")]
    Encode(String),
    #[error("cannot publish on Redis: {0}")]
    Publish(String),
}

/// The Redis-backed bus of one instance.
pub struct RedisBus {
    hub: Arc<Hub>,
    outbox: mpsc::UnboundedSender<Queued>,
}

/// First reconnect delay; doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(5);

impl RedisBus {
    /// Connects to `url`, subscribes to `channel` and starts the publisher and subscriber
    /// tasks. Fails (in words) if Redis cannot be reached now; later outages are retried.
    /// `key` signs every message; messages without its signature are dropped.
    pub async fn start(
        url: &str,
        channel: &str,
        key: [u8; 32],
        realtime: &Arc<Realtime>,
    ) -> Result<Arc<RedisBus>, BusError> {
        let client = open_client(url)?;
        let (publisher, subscriber) = reach(url, async {
            let publisher = client.get_multiplexed_async_connection().await?;
            let mut subscriber = client.get_async_pubsub().await?;
            subscriber.subscribe(channel).await?;
            Ok((publisher, subscriber))
        })
        .await?;
        let origin = rand::random::<u64>();
        let (outbox, queued) = mpsc::unbounded_channel();
        let bus = Arc::new(RedisBus {
            hub: realtime.hub.clone(),
            outbox,
        });
        // Committed presence rows go to the other instances' caches.
        let forward = bus.outbox.clone();
        realtime
            .store
            .presence_cache()
            .forward_commits(Box::new(move |changes| {
                enqueue(&forward, Wire::Presence { changes });
            }));
        let signer = Signer(key);
        tokio::spawn(publish_loop(
            client.clone(),
            publisher,
            channel.to_owned(),
            origin,
            signer.clone(),
            queued,
        ));
        tokio::spawn(subscribe_loop(
            client,
            subscriber,
            channel.to_owned(),
            origin,
            signer,
            Arc::downgrade(realtime),
        ));
        tracing::info!(url = %shown(url), channel, "bus on Redis");
        Ok(bus)
    }
}

impl Bus for RedisBus {
    fn publish(&self, event: BusEvent) {
        if let Some(wire) = Wire::from_event(&event) {
            enqueue(&self.outbox, wire);
        }
        self.hub.deliver(event);
    }

    fn join_room(
        &self,
        hub: &Hub,
        room: RoomKey,
        user_id: i64,
        id: ConnId,
        tx: super::hub::OutboundTx,
        frame: Utf8Bytes,
    ) {
        hub.join_room_unordered(room, user_id, id, tx);
        enqueue(
            &self.outbox,
            Wire::Joined {
                room,
                conn: id,
                user_id,
                frame: frame.as_str().to_owned(),
            },
        );
    }

    fn leave_room(&self, hub: &Hub, room: RoomKey, id: ConnId) {
        hub.leave_room(room, id);
        enqueue(&self.outbox, Wire::Left { room, conn: id });
    }
}

/// A line onto the instances' bus for a process that is not an instance: the command
/// line's account changes, which the running instances must act on (closing a
/// signed-out account's sockets). Connected first, so that a wrong URL or a Redis that
/// is down is said before anything changes.
pub struct Publisher {
    connection: redis::aio::MultiplexedConnection,
    channel: String,
    signer: Signer,
}

impl Publisher {
    pub async fn connect(url: &str, channel: &str, key: [u8; 32]) -> Result<Publisher, BusError> {
        let client = open_client(url)?;
        let connection = reach(url, client.get_multiplexed_async_connection()).await?;
        Ok(Publisher {
            connection,
            channel: channel.to_owned(),
            signer: Signer(key),
        })
    }

    /// Publishes `event` as an instance would; how many instances listen on the channel
    /// (Redis's count of subscribers that got it: 0 means a wrong channel).
    pub async fn publish(&mut self, event: &BusEvent) -> Result<i64, BusError> {
        let Some(wire) = Wire::from_event(event) else {
            return Ok(0);
        };
        let envelope = Envelope {
            origin: rand::random::<u64>(),
            queued_us: Some(unix_micros()),
            events: vec![wire],
        };
        let json = serde_json::to_vec(&envelope).map_err(|e| BusError::Encode(e.to_string()))?;
        let mut publish = redis::cmd("PUBLISH");
        publish.arg(&self.channel).arg(self.signer.sign(json));
        tokio::time::timeout(
            Duration::from_secs(10),
            publish.query_async::<i64>(&mut self.connection),
        )
        .await
        .map_err(|_| BusError::Publish("timed out".into()))?
        .map_err(|e| BusError::Publish(e.to_string()))
    }
}

async fn publish_loop(
    client: redis::Client,
    mut connection: redis::aio::MultiplexedConnection,
    channel: String,
    origin: u64,
    signer: Signer,
    mut queued: mpsc::UnboundedReceiver<Queued>,
) {
    let mut batch = Vec::new();
    while queued.recv_many(&mut batch, MAX_EVENTS_PER_MESSAGE).await > 0 {
        let envelope = Envelope {
            origin,
            queued_us: batch.first().map(|q| q.at_us),
            events: batch.drain(..).map(|q| q.wire).collect(),
        };
        let payload = match serde_json::to_vec(&envelope) {
            Ok(json) => signer.sign(json),
            Err(e) => {
                tracing::error!(error = %e, "cannot encode a bus event");
                continue;
            }
        };
        let mut retry = FIRST_RETRY;
        loop {
            let sent: Result<i64, _> = redis::cmd("PUBLISH")
                .arg(&channel)
                .arg(&payload)
                .query_async(&mut connection)
                .await;
            match sent {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, ?retry, "cannot publish to Redis; retrying");
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(MAX_RETRY);
                    if let Ok(fresh) = client.get_multiplexed_async_connection().await {
                        connection = fresh;
                    }
                }
            }
        }
    }
}

async fn subscribe_loop(
    client: redis::Client,
    mut subscriber: redis::aio::PubSub,
    channel: String,
    origin: u64,
    signer: Signer,
    realtime: Weak<Realtime>,
) {
    let mut retry = FIRST_RETRY;
    let mut forged = 0u64;
    loop {
        {
            let mut messages = subscriber.on_message();
            while let Some(message) = messages.next().await {
                retry = FIRST_RETRY;
                let Some(rt) = realtime.upgrade() else {
                    return;
                };
                let Some(payload) = signer.verified(message.get_payload_bytes()) else {
                    // Not from an instance that holds the secret: someone with access to
                    // Redis (a forged call invite or offer). Counted, logged, dropped.
                    forged += 1;
                    crate::metrics::bus_message_dropped("unauthenticated");
                    if forged.is_power_of_two() {
                        tracing::warn!(forged, "dropped an unauthenticated bus message");
                    }
                    continue;
                };
                match serde_json::from_slice::<Envelope>(payload) {
                    Ok(envelope) => {
                        let own = envelope.origin == origin;
                        if let Some(queued) = envelope.queued_us {
                            let lag = u64::try_from(unix_micros() - queued).unwrap_or(0);
                            crate::metrics::bus_message_received(own, Duration::from_micros(lag));
                        }
                        for event in envelope.events {
                            match event {
                                // Joins are ordered by the bus: this instance's own come
                                // back too.
                                Wire::Joined {
                                    room,
                                    conn,
                                    user_id,
                                    frame,
                                } => rt.hub.joined(room, conn, user_id, frame.into()),
                                _ if own => {}
                                event => receive(&rt, event),
                            }
                        }
                    }
                    Err(e) => {
                        crate::metrics::bus_message_dropped("undecodable");
                        tracing::warn!(error = %e, "undecodable bus message skipped");
                    }
                }
            }
        }
        if realtime.upgrade().is_none() {
            return;
        }
        tracing::warn!(?retry, "the Redis subscription ended; reconnecting");
        loop {
            tokio::time::sleep(retry).await;
            retry = (retry * 2).min(MAX_RETRY);
            match client.get_async_pubsub().await {
                Ok(mut fresh) => {
                    if fresh.subscribe(&channel).await.is_ok() {
                        subscriber = fresh;
                        break;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot reach Redis"),
            }
        }
    }
}

/// Signs bus messages and checks their signatures: HMAC-SHA256 over the JSON, sent in
/// front of it.
#[derive(Clone)]
struct Signer([u8; 32]);

/// Bytes of the signature in front of each message.
const TAG_BYTES: usize = 32;

impl Signer {
    fn mac(&self) -> hmac::Hmac<sha2::Sha256> {
        use hmac::Mac;
        <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"))
    }

    fn sign(&self, json: Vec<u8>) -> Vec<u8> {
        use hmac::Mac;
        let mut mac = self.mac();
        mac.update(&json);
        let mut message = mac.finalize().into_bytes().to_vec();
        message.extend_from_slice(&json);
        message
    }

    /// The JSON of a message signed with this key; `None` for anything else.
    fn verified<'a>(&self, message: &'a [u8]) -> Option<&'a [u8]> {
        use hmac::Mac;
        if message.len() < TAG_BYTES {
            return None;
        }
        let (tag, json) = message.split_at(TAG_BYTES);
        let mut mac = self.mac();
        mac.update(json);
        // Constant time: a forger learns nothing from how fast it failed.
        mac.verify_slice(tag).ok().map(|()| json)
    }
}

/// Delivers another instance's event here.
fn receive(rt: &Realtime, event: Wire) {
    let event = match event {
        Wire::Presence { changes } => {
            rt.store.presence_cache().apply_remote(changes);
            rt.presence_changed();
            return;
        }
        Wire::CallSettled { call_id } => {
            rt.cancel_ring_timer(call_id);
            return;
        }
        Wire::ToUser {
            user_id,
            frame,
            invite_call,
        } => BusEvent::ToUser {
            user_id,
            frame: frame.into(),
            invite_call,
        },
        Wire::Revoked { jti } => BusEvent::Revoked { jti },
        Wire::RoomClosed { room, why } => BusEvent::RoomClosed { room, why },
        Wire::CutOff {
            user_id,
            before_epoch,
        } => BusEvent::CutOff {
            user_id,
            before_epoch,
        },
        Wire::Joined {
            room,
            conn,
            user_id,
            frame,
        } => {
            rt.hub.joined(room, conn, user_id, frame.into());
            return;
        }
        Wire::Left { room, conn } => {
            rt.hub.left_remotely(room, conn);
            return;
        }
        Wire::ToRoom {
            room,
            from_conn,
            target_user,
            echo,
            frame,
        } => BusEvent::ToRoom {
            room,
            from_conn,
            target_user,
            echo,
            frame: frame.into(),
        },
    };
    rt.hub.deliver(event);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_show_a_redis_url_without_its_password() {
        assert_eq!(
            shown("redis://:s3cret@10.0.0.5:6379/0"),
            "redis://***@10.0.0.5:6379/0"
        );
        assert_eq!(shown("rediss://user:s3cret@host"), "rediss://***@host");
        assert_eq!(shown("redis://10.0.0.5:6379"), "redis://10.0.0.5:6379");
        assert_eq!(shown("not a url"), "not a url");
        let error = BusError::Unreachable {
            url: shown("redis://:s3cret@nowhere:1"),
            reason: "refused".into(),
        };
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }

    #[test]
    fn only_messages_signed_with_the_key_are_read() {
        let signer = Signer([7; 32]);
        let json = br#"{"origin":1,"events":[]}"#.to_vec();
        let signed = signer.sign(json.clone());
        assert_eq!(signer.verified(&signed), Some(&json[..]));
        // Unsigned, as anyone with access to Redis could publish it.
        assert_eq!(signer.verified(&json), None);
        // Signed with another key (another cluster's secret).
        assert_eq!(Signer([8; 32]).verified(&signed), None);
        // Changed after signing: a bit of the JSON, or of the signature.
        let mut tampered = signed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert_eq!(signer.verified(&tampered), None);
        let mut tampered = signed;
        tampered[0] ^= 1;
        assert_eq!(signer.verified(&tampered), None);
        assert_eq!(signer.verified(b"short"), None);
    }
}
