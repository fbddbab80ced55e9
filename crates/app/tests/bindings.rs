//! The UI's contract with the shell, generated from the Rust side so it cannot drift:
//! `ui/src/bindings.ts` (every type the UI receives, from the types themselves) and
//! `ui/src/commands.ts` (one typed function per command of `src-tauri/src/commands.rs`).
//!
//! The test fails when either file differs from what the Rust code generates; to
//! regenerate them: `SWITCHBOARD_WRITE_BINDINGS=1 cargo test -p switchboard-app --test integration bindings::`.

use std::path::{Path, PathBuf};
use switchboard_app::devices::DeviceList;
use switchboard_app::links::Invite;
use switchboard_app::{
    About, AppState, CertificateCheck, CertificateTrust, FoundHost, HostInfo, IncomingCallDisplay,
    JoinRequest, LinkCall, MeetingPeer, MeetingPeerState, MeetingView, MyStatus, Phase,
    RingingCall, ServerCheck, Settings, ShortcutAction, Shortcuts, TeamInvite, VideoRoom,
    VideoSend,
};
use switchboard_client::meter::CallQuality;
use switchboard_client::{ConnectionState, EndReason, Event, MediaState, RealtimeMode};
use switchboard_media::devices::{DeviceSwitch, SwitchReason};
use switchboard_media::processing::VoiceSettings;
use switchboard_protocol::api::{
    CallSession, Caller, DirectoryEntry, InviteCode, InviteCodeState, Meeting, MeetingStatus,
    NewMeeting, Page, PresenceView, UserInfo, UserSummary, VideoCallSession, VideoCallStatus,
};
use switchboard_protocol::busy_lamp::{CampOn, NewNote, Note};
use switchboard_protocol::callbacks::{Callback, NewCallback};
use switchboard_protocol::crm::{CallLog, CallOutcomes, NewCallLog, Regarding};
use switchboard_protocol::webhooks::{
    DeliveryState, NewWebhook, Webhook, WebhookDelivery, WebhookEvent,
};
use switchboard_protocol::ws::AddedToCall;
use switchboard_protocol::{CallStatus, CallType, PresenceStatus};
use ts_rs::{Config, TS};

const HEADER: &str = "// Generated from the Rust types by crates/app/tests/bindings.rs: do not edit.\n// Regenerate: SWITCHBOARD_WRITE_BINDINGS=1 cargo test -p switchboard-app --test integration bindings::\n";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn declarations() -> String {
    // Ids and counts fit a JavaScript number; JSON.parse gives numbers, not bigints.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        PresenceStatus::decl(&cfg),
        CallStatus::decl(&cfg),
        CallType::decl(&cfg),
        UserInfo::decl(&cfg),
        UserSummary::decl(&cfg),
        PresenceView::decl(&cfg),
        DirectoryEntry::decl(&cfg),
        Regarding::decl(&cfg),
        CallLog::decl(&cfg),
        CallOutcomes::decl(&cfg),
        NewCallLog::decl(&cfg),
        CallSession::decl(&cfg),
        Callback::decl(&cfg),
        NewCallback::decl(&cfg),
        Note::decl(&cfg),
        NewNote::decl(&cfg),
        CampOn::decl(&cfg),
        WebhookEvent::decl(&cfg),
        NewWebhook::decl(&cfg),
        Webhook::decl(&cfg),
        DeliveryState::decl(&cfg),
        WebhookDelivery::decl(&cfg),
        Page::<CallSession>::decl(&cfg),
        MeetingStatus::decl(&cfg),
        Meeting::decl(&cfg),
        NewMeeting::decl(&cfg),
        Caller::decl(&cfg),
        VideoCallStatus::decl(&cfg),
        VideoCallSession::decl(&cfg),
        AddedToCall::decl(&cfg),
        CallQuality::decl(&cfg),
        RealtimeMode::decl(&cfg),
        ConnectionState::decl(&cfg),
        EndReason::decl(&cfg),
        MediaState::decl(&cfg),
        SwitchReason::decl(&cfg),
        DeviceSwitch::decl(&cfg),
        Event::decl(&cfg),
        DeviceList::decl(&cfg),
        VoiceSettings::decl(&cfg),
        IncomingCallDisplay::decl(&cfg),
        Shortcuts::decl(&cfg),
        ShortcutAction::decl(&cfg),
        VideoSend::decl(&cfg),
        FoundHost::decl(&cfg),
        Settings::decl(&cfg),
        VideoRoom::decl(&cfg),
        About::decl(&cfg),
        HostInfo::decl(&cfg),
        Invite::decl(&cfg),
        InviteCodeState::decl(&cfg),
        InviteCode::decl(&cfg),
        TeamInvite::decl(&cfg),
        JoinRequest::decl(&cfg),
        CertificateTrust::decl(&cfg),
        CertificateCheck::decl(&cfg),
        ServerCheck::decl(&cfg),
        Phase::decl(&cfg),
        MyStatus::decl(&cfg),
        LinkCall::decl(&cfg),
        RingingCall::decl(&cfg),
        MeetingPeerState::decl(&cfg),
        MeetingPeer::decl(&cfg),
        MeetingView::decl(&cfg),
        AppState::decl(&cfg),
    ];
    let mut out = String::from(HEADER);
    for decl in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(decl.trim());
        out.push('\n');
    }
    out
}

/// A command's Rust argument or result type, as TypeScript.
fn ts_type(rust: &str) -> String {
    let rust = rust.trim();
    if let Some(inner) = rust
        .strip_prefix("Option<")
        .and_then(|r| r.strip_suffix('>'))
    {
        return format!("{} | null", ts_type(inner));
    }
    match rust {
        "String" => "string".into(),
        "i64" | "u32" | "i32" | "u64" => "number".into(),
        "bool" => "boolean".into(),
        // Raw bytes (a video picture).
        "tauri::ipc::Response" => "ArrayBuffer".into(),
        "()" => "null".into(),
        "Page<CallSession>" => "Page<CallSession>".into(),
        "Page<Meeting>" => "Page<Meeting>".into(),
        "Vec<InviteCode>" => "InviteCode[]".into(),
        "Vec<Callback>" => "Callback[]".into(),
        "Vec<Note>" => "Note[]".into(),
        "Vec<CampOn>" => "CampOn[]".into(),
        "Vec<Webhook>" => "Webhook[]".into(),
        "Vec<WebhookDelivery>" => "WebhookDelivery[]".into(),
        "Vec<FoundHost>" => "FoundHost[]".into(),
        known @ ("About" | "AppState" | "Callback" | "CampOn" | "CallOutcomes" | "CallSession"
        | "DeviceList" | "Invite" | "InviteCode" | "JoinRequest" | "Meeting"
        | "MeetingView" | "NewCallback" | "NewCallLog" | "NewMeeting" | "NewNote"
        | "NewWebhook" | "Note" | "PresenceStatus" | "Webhook" | "ServerCheck"
        | "Settings" | "TeamInvite" | "UserInfo" | "VideoRoom" | "VideoSend") => known.into(),
        other => panic!("no TypeScript type for {other}: add it to ts_type in this test"),
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The text between `open` (an opening bracket) and its matching close.
fn bracketed(text: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced brackets in {text}");
}

/// Splits on the commas outside any brackets.
fn top_level(list: &str) -> Vec<&str> {
    let (mut depth, mut start, mut parts) = (0i32, 0, Vec::new());
    for (i, c) in list.char_indices() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// One typed function per `#[tauri::command]`, read from the commands file itself (each
/// item is what follows its attribute, up to the next one: a command that is not a
/// `pub async fn … -> Result<T, AppError>` fails here rather than being misread).
fn commands(source: &str) -> String {
    let mut out = String::from(HEADER);
    out.push_str("import { invoke } from '@tauri-apps/api/core';\n");
    out.push_str("import type { About, AppState, Callback, CallOutcomes, CallSession, CampOn, DeviceList, FoundHost, Invite, InviteCode, JoinRequest, Meeting, MeetingView, NewCallback, NewCallLog, NewMeeting, NewNote, NewWebhook, Note, Page, PresenceStatus, ServerCheck, Settings, TeamInvite, UserInfo, VideoRoom, VideoSend, Webhook, WebhookDelivery } from './bindings';\n\n");
    out.push_str("export const commands = {\n");
    let items: Vec<&str> = source.split("#[tauri::command]").skip(1).collect();
    assert!(items.len() >= 14, "found only {} commands", items.len());
    for item in items {
        let fail = |what: &str| -> ! { panic!("a command is not {what}:\n{item}") };
        let start = item
            .find("pub async fn ")
            .unwrap_or_else(|| fail("a `pub async fn`"))
            + 13;
        let open = item[start..]
            .find('(')
            .unwrap_or_else(|| fail("a function"))
            + start;
        let name = item[start..open].trim();
        let args = bracketed(item, open);
        let after = item[open + args.len() + 2..].trim_start();
        if !after.starts_with("-> Result<") {
            fail("returning a Result");
        }
        let inner = bracketed(after, after.find('<').unwrap_or_else(|| fail("a Result")));
        let parts = top_level(inner);
        if parts.len() != 2 || parts[1].trim() != "AppError" {
            fail("returning Result<T, AppError>");
        }
        let result = ts_type(parts[0]);
        let args: Vec<(String, String)> = top_level(args)
            .into_iter()
            .filter_map(|arg| arg.split_once(':'))
            .map(|(n, t)| (n.trim().to_owned(), t.trim().to_owned()))
            // Tauri fills these in; the UI does not pass them.
            .filter(|(_, t)| {
                !t.starts_with("Shared") && !matches!(t.as_str(), "AppHandle" | "tauri::Window")
            })
            .map(|(n, t)| (camel(&n), ts_type(&t)))
            .collect();
        let (params, payload) = if args.is_empty() {
            (String::new(), String::new())
        } else {
            let fields: Vec<String> = args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
            (
                format!("args: {{ {} }}", fields.join("; ")),
                ", args".to_owned(),
            )
        };
        out.push_str(&format!(
            "  {}: ({params}) => invoke<{result}>('{name}'{payload}),\n",
            camel(name)
        ));
    }
    out.push_str("};\n");
    out
}

/// Writes `generated` when asked to, else fails when the file differs.
fn check(file: &str, generated: &str) {
    let path = root().join(file);
    if std::env::var_os("SWITCHBOARD_WRITE_BINDINGS").is_some() {
        std::fs::write(&path, generated).expect("write the bindings");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "{file} is stale: the Rust types or commands changed. Regenerate it with \
         SWITCHBOARD_WRITE_BINDINGS=1 cargo test -p switchboard-app --test integration bindings::"
    );
}

#[test]
fn the_ui_types_are_the_rust_types() {
    check("ui/src/bindings.ts", &declarations());
}

#[test]
fn the_ui_commands_are_the_shell_commands() {
    let source = std::fs::read_to_string(root().join("src-tauri/src/commands.rs"))
        .expect("read src-tauri/src/commands.rs");
    check("ui/src/commands.ts", &commands(&source));
}
