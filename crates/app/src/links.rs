//! `switchboard://call/<username>` (and `tel:`-style `switchboard:<username>`) links, and
//! invite links: `switchboard://join?server=https://ADDR:PORT&fp=sha256:…[&code=…]`,
//! which a host sends teammates so their apps connect to the right server and pin its
//! certificate; with a one-time code, the teammate makes their own account.

use serde::Serialize;
use switchboard_client::Fingerprint;
use switchboard_protocol::crm::Regarding;

/// What an invite link says: where the team's server is and its certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Invite {
    /// `https://ADDR:PORT`.
    pub server: String,
    /// `sha256:…`, to pin.
    pub fingerprint: String,
    /// A one-time invite code: the teammate makes their own account with it.
    pub code: Option<String>,
}

/// The invite link for a server at `server` (`https://…`) with this certificate, and
/// a one-time account code when there is one.
pub fn invite_link(server: &str, fingerprint: &Fingerprint, code: Option<&str>) -> String {
    match code {
        Some(code) => format!("switchboard://join?server={server}&fp={fingerprint}&code={code}"),
        None => format!("switchboard://join?server={server}&fp={fingerprint}"),
    }
}

/// Invite codes are hex digits, perhaps grouped with dashes; anything else is not one.
fn code_in(text: &str) -> Option<String> {
    let code = text.trim();
    let valid = !code.is_empty()
        && code.len() <= 128
        && code.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    valid.then(|| code.to_ascii_lowercase())
}

/// The invite in `link`, if it is one (and well formed: an https server, a fingerprint).
pub fn invite_in(link: &str) -> Option<Invite> {
    let rest = link.trim().strip_prefix("switchboard:")?;
    let query = rest.trim_start_matches('/').strip_prefix("join")?;
    let query = query.trim_start_matches('/').strip_prefix('?')?;
    let (mut server, mut fingerprint, mut code) = (None, None, None);
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("server", value)) => server = Some(percent_decoded(value)?),
            Some(("fp", value)) => fingerprint = Fingerprint::parse(&percent_decoded(value)?).ok(),
            Some(("code", value)) => code = Some(code_in(&percent_decoded(value)?)?),
            _ => {}
        }
    }
    let server = server?.trim_end_matches('/').to_owned();
    let host = server.strip_prefix("https://")?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    let fingerprint = fingerprint?.to_string();
    valid.then_some(Invite {
        server,
        fingerprint,
        code,
    })
}

/// `%3A` → `:` (links pasted from chat apps are often encoded); `None` if malformed.
fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What a call link asks for: whom to call, and the CRM record the call is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallLink {
    pub username: String,
    pub regarding: Option<Regarding>,
}

/// The call a link asks for, if it is a call link:
/// `switchboard://call/<username>[?regarding_type=deal&regarding_id=4711&label=…&url=…]`
/// (a CRM record page builds one). `Err` with a sentence when the record it names would
/// be refused; a record's type and id come together, its label defaults to them.
pub fn call_link_in(link: &str) -> Option<Result<CallLink, String>> {
    let rest = link.trim().strip_prefix("switchboard:")?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.trim_start_matches('/').starts_with("join") {
        return None;
    }
    let username = username_in(&format!("switchboard:{path}"))?;
    let mut fields = std::collections::HashMap::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        fields.insert(key.into_owned(), value.into_owned());
    }
    let (kind, id) = match (
        fields.remove("regarding_type"),
        fields.remove("regarding_id"),
    ) {
        (None, None) => {
            return Some(Ok(CallLink {
                username,
                regarding: None,
            }));
        }
        (Some(kind), Some(id)) => (kind, id),
        _ => {
            return Some(Err(
                "This call link names a record without both its type and its id; ask for a \
                 new link."
                    .into(),
            ));
        }
    };
    let regarding = Regarding {
        label: fields
            .remove("label")
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| format!("{kind} {id}")),
        url: fields.remove("url").filter(|u| !u.is_empty()),
        kind,
        id,
    };
    Some(match regarding.problem() {
        Some(problem) => Err(format!(
            "This call link's record would be refused ({problem}); ask for a new link."
        )),
        None => Ok(CallLink {
            username,
            regarding: Some(regarding),
        }),
    })
}

/// The username a link asks to call, if it is one of ours.
pub fn username_in(link: &str) -> Option<String> {
    let rest = link.trim().strip_prefix("switchboard:")?;
    let rest = rest.trim_start_matches('/');
    let name = rest.strip_prefix("call/").unwrap_or(rest);
    let name = name.trim_end_matches('/');
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@.+-_".contains(c));
    valid.then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_links_round_trip_and_refuse_anything_else() {
        let fp = Fingerprint::of(b"the host's certificate");
        let link = invite_link("https://10.0.0.5:8000", &fp, None);
        let invite = invite_in(&link).expect("an invite");
        assert_eq!(invite.server, "https://10.0.0.5:8000");
        assert_eq!(invite.fingerprint, fp.to_string());
        assert_eq!(invite.code, None);
        let with_code = invite_link("https://10.0.0.5:8000", &fp, Some("00ff-AB12"));
        assert_eq!(
            invite_in(&with_code).and_then(|i| i.code),
            Some("00ff-ab12".into())
        );
        // A code that is not one spoils the link rather than being dropped quietly.
        assert_eq!(invite_in(&format!("{link}&code=<script>")), None);
        // Encoded, as chat apps pass links on.
        let encoded = link.replace("https://", "https%3A%2F%2F");
        assert_eq!(invite_in(&encoded), Some(invite.clone()));
        // Not an invite: plain http, no fingerprint, a broken one, another host's text.
        assert_eq!(invite_in(&link.replace("https://", "http://")), None);
        assert_eq!(
            invite_in("switchboard://join?server=https://10.0.0.5:8000"),
            None
        );
        assert_eq!(invite_in(&format!("{}00", link)), None);
        assert_eq!(
            invite_in("switchboard://join?server=https://a b&fp=x"),
            None
        );
        assert_eq!(invite_in("switchboard://call/bob"), None);
        assert_eq!(username_in(&link), None, "an invite is not a call link");
    }

    #[test]
    fn call_links_may_name_the_record_the_call_is_about() {
        let plain = call_link_in("switchboard://call/bob").and_then(Result::ok);
        assert_eq!(
            plain,
            Some(CallLink {
                username: "bob".into(),
                regarding: None
            })
        );
        let about = call_link_in(
            "switchboard://call/bob?regarding_type=deal&regarding_id=4711&label=ACME%20renewal&url=https%3A%2F%2Fcrm.example%2Fdeals%2F4711",
        )
        .and_then(Result::ok)
        .and_then(|l| l.regarding)
        .expect("a record");
        assert_eq!(
            (about.kind.as_str(), about.id.as_str(), about.label.as_str()),
            ("deal", "4711", "ACME renewal")
        );
        assert_eq!(about.url.as_deref(), Some("https://crm.example/deals/4711"));
        let unlabelled =
            call_link_in("switchboard://call/bob?regarding_type=ticket&regarding_id=9")
                .and_then(Result::ok)
                .and_then(|l| l.regarding)
                .expect("a record");
        assert_eq!(unlabelled.label, "ticket 9");
        for bad in [
            "switchboard://call/bob?regarding_type=deal",
            "switchboard://call/bob?regarding_type=deal&regarding_id=1&url=javascript:alert(1)",
            "switchboard://call/bob?regarding_type=a%20deal&regarding_id=1",
        ] {
            assert!(matches!(call_link_in(bad), Some(Err(_))), "{bad}");
        }
        assert_eq!(
            call_link_in("switchboard://join?server=https://a:1&fp=x"),
            None
        );
        assert_eq!(call_link_in("https://crm.example/call/bob"), None);
    }

    #[test]
    fn call_links_name_a_user_and_nothing_else() {
        assert_eq!(username_in("switchboard://call/bob"), Some("bob".into()));
        assert_eq!(username_in("switchboard://call/bob/"), Some("bob".into()));
        assert_eq!(username_in("switchboard:ann.lee"), Some("ann.lee".into()));
        assert_eq!(username_in("switchboard://call/"), None);
        assert_eq!(username_in("switchboard://call/bob;rm -rf"), None);
        assert_eq!(username_in("https://call/bob"), None);
    }
}
