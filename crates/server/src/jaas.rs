//! Jitsi room links and 8x8 JaaS tokens (SPEC §6, seeds 001 and 003).
//!
//! The seeds failed on keys stored as one base64 line; here the RSA private key is
//! accepted as PEM (PKCS#1 or PKCS#8), as single-line base64 of either DER form, and with
//! literal `\n` escapes as `.env` files often hold it.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use switchboard_protocol::api::{JoinInfo, UserInfo};

/// How long a JaaS token lets its holder into the room.
const TOKEN_LIFETIME: Duration = Duration::hours(3);

/// Jitsi settings, read once at start-up.
#[derive(Clone)]
pub struct Jitsi {
    domain: String,
    jaas: Result<Option<Jaas>, String>,
}

#[derive(Clone)]
struct Jaas {
    app_id: String,
    kid: String,
    key: EncodingKey,
}

/// The raw settings, as found in the environment.
#[derive(Clone, Debug, Default)]
pub struct JitsiSettings {
    pub app_id: Option<String>,
    pub kid: Option<String>,
    pub api_key: Option<String>,
    pub domain: Option<String>,
}

impl JitsiSettings {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        JitsiSettings {
            app_id: var("JITSI_8X8_APP_ID"),
            kid: var("JITSI_8X8_KID"),
            api_key: var("JITSI_8X8_API_KEY"),
            domain: var("JITSI_SERVER_DOMAIN"),
        }
    }
}

impl Jitsi {
    /// Never fails: broken JaaS credentials are remembered and explained by
    /// [`Jitsi::join_info`], so calls keep working without video rooms.
    pub fn new(settings: JitsiSettings) -> Self {
        let jaas = match &settings.app_id {
            None => Ok(None),
            Some(app_id) => Self::jaas(app_id, &settings).map(Some),
        };
        if let Err(problem) = &jaas {
            tracing::error!(%problem, "8x8 JaaS is misconfigured; join_info will report it");
        }
        let domain = settings.domain.clone().unwrap_or_else(|| {
            if settings.app_id.is_some() {
                "8x8.vc"
            } else {
                "meet.jit.si"
            }
            .to_owned()
        });
        Jitsi { domain, jaas }
    }

    fn jaas(app_id: &str, settings: &JitsiSettings) -> Result<Jaas, String> {
        if !app_id.starts_with("vpaas-magic-cookie-") {
            return Err(format!(
                "JITSI_8X8_APP_ID should look like \"vpaas-magic-cookie-...\", not {app_id:?}"
            ));
        }
        let kid = settings
            .kid
            .clone()
            .ok_or("JITSI_8X8_KID is not set; copy the API key id from the 8x8 JaaS console")?;
        let pem = settings.api_key.as_deref().ok_or(
            "JITSI_8X8_API_KEY is not set; it must hold the RSA private key of the JaaS API key",
        )?;
        let key = parse_private_key(pem)?;
        let jaas = Jaas {
            app_id: app_id.to_owned(),
            kid,
            key,
        };
        // Sign once now so a key that only looks right is reported at start-up.
        jaas.sign("startup-check", &probe_user(), true, Utc::now())?;
        Ok(jaas)
    }

    /// Room, domain, link and (with JaaS) a token for `user` to join `room`.
    pub fn join_info(
        &self,
        room: &str,
        user: &UserInfo,
        moderator: bool,
        now: DateTime<Utc>,
    ) -> Result<JoinInfo, String> {
        match &self.jaas {
            Err(problem) => Err(format!("Video rooms are unavailable: {problem}.")),
            Ok(None) => Ok(JoinInfo {
                room_name: room.to_owned(),
                domain: self.domain.clone(),
                jitsi_url: format!("https://{}/{room}", self.domain),
                jwt: None,
            }),
            Ok(Some(jaas)) => {
                let jwt = jaas.sign(room, user, moderator, now)?;
                Ok(JoinInfo {
                    room_name: room.to_owned(),
                    domain: self.domain.clone(),
                    jitsi_url: format!("https://{}/{}/{room}?jwt={jwt}", self.domain, jaas.app_id),
                    jwt: Some(jwt),
                })
            }
        }
    }
}

impl Jaas {
    fn sign(
        &self,
        room: &str,
        user: &UserInfo,
        moderator: bool,
        now: DateTime<Utc>,
    ) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        let claims = json!({
            "aud": "jitsi",
            "iss": "chat",
            "sub": self.app_id,
            "room": room,
            "iat": now.timestamp(),
            "nbf": (now - Duration::seconds(10)).timestamp(),
            "exp": (now + TOKEN_LIFETIME).timestamp(),
            "context": {
                "user": {
                    "id": user.id.to_string(),
                    "name": user.display_name(),
                    "email": user.email,
                    "moderator": moderator,
                },
                "features": {
                    "livestreaming": false,
                    "recording": false,
                    "transcription": false,
                    "outbound-call": false,
                },
            },
        });
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| format!("signing the JaaS token failed ({e}); check JITSI_8X8_API_KEY"))
    }
}

fn probe_user() -> UserInfo {
    UserInfo {
        id: 0,
        username: "probe".into(),
        email: String::new(),
        full_name: String::new(),
        is_admin: false,
        is_active: true,
    }
}

/// Reads an RSA private key given as PEM, or as single-line base64 of PKCS#8 or PKCS#1 DER.
pub fn parse_private_key(text: &str) -> Result<EncodingKey, String> {
    let text = text.trim().trim_matches('"').replace("\\n", "\n");
    if text.contains("-----BEGIN") {
        return EncodingKey::from_rsa_pem(text.as_bytes()).map_err(|e| {
            format!("JITSI_8X8_API_KEY looks like PEM but is not an RSA private key ({e})")
        });
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| {
            "JITSI_8X8_API_KEY is neither PEM nor base64; paste the RSA private key from the JaaS console"
                .to_owned()
        })?;
    // PKCS#8 and PKCS#1 DER differ only in their wrapping; PEM labels tell the parser which.
    let body = base64::engine::general_purpose::STANDARD.encode(&der);
    for label in ["PRIVATE KEY", "RSA PRIVATE KEY"] {
        let pem = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        if let Ok(key) = EncodingKey::from_rsa_pem(pem.as_bytes())
            && probe_sign(&key)
        {
            return Ok(key);
        }
    }
    Err("JITSI_8X8_API_KEY is base64 but not an RSA private key (PKCS#8 or PKCS#1)".to_owned())
}

fn probe_sign(key: &EncodingKey) -> bool {
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &json!({"probe": true}), key).is_ok()
}
