//! `GET /api/rtc/config` (SPEC §7): the ICE servers clients use, with time-limited TURN
//! credentials in coturn's `use-auth-secret` scheme: username `<expiry>:<user id>`,
//! credential base64(HMAC-SHA1(secret, username)).

use base64::Engine;
use hmac::{Hmac, Mac};
use switchboard_protocol::api::{IceServer, RtcConfig};

/// ICE settings, from the command line.
#[derive(Clone, Debug, Default)]
pub struct RtcSettings {
    pub stun_urls: Vec<String>,
    pub turn_urls: Vec<String>,
    pub turn_secret: Option<String>,
    /// How long handed-out TURN credentials stay valid.
    pub turn_ttl: std::time::Duration,
}

/// The configuration for `user_id` at `now` (Unix seconds).
pub fn config_for(settings: &RtcSettings, user_id: i64, now: i64) -> RtcConfig {
    let mut ice_servers = Vec::new();
    if !settings.stun_urls.is_empty() {
        ice_servers.push(IceServer {
            urls: settings.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if let (false, Some(secret)) = (settings.turn_urls.is_empty(), &settings.turn_secret) {
        let expiry = now + settings.turn_ttl.as_secs() as i64;
        let username = format!("{expiry}:{user_id}");
        ice_servers.push(IceServer {
            urls: settings.turn_urls.clone(),
            credential: Some(turn_credential(secret, &username)),
            username: Some(username),
        });
    }
    RtcConfig { ice_servers }
}

/// coturn's REST credential for `username`.
pub fn turn_credential(secret: &str, username: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_credentials_follow_coturns_rest_scheme() {
        // Known answer, computed independently with:
        //   printf '%s' '1700003600:7' | openssl dgst -sha1 -hmac 's3cret' -binary | base64
        assert_eq!(turn_credential("s3cret", "1700003600:7"), KNOWN);
        let settings = RtcSettings {
            stun_urls: vec!["stun:127.0.0.1:3478".into()],
            turn_urls: vec!["turn:127.0.0.1:3478?transport=udp".into()],
            turn_secret: Some("s3cret".into()),
            turn_ttl: std::time::Duration::from_secs(3600),
        };
        let config = config_for(&settings, 7, 1_700_000_000);
        assert_eq!(config.ice_servers.len(), 2);
        assert_eq!(
            config.ice_servers[1].username.as_deref(),
            Some("1700003600:7")
        );
        assert_eq!(config.ice_servers[1].credential.as_deref(), Some(KNOWN));
        assert!(
            config_for(&RtcSettings::default(), 7, 0)
                .ice_servers
                .is_empty()
        );
    }

    const KNOWN: &str = "I7qSgR6Oddp8lEkBGN6N0F6AxGQ=";
}
