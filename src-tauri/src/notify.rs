//! OS notifications (freedesktop D-Bus on Linux, through notify-rust): the incoming call,
//! with Accept / Reject buttons where the notification server supports actions, and the
//! missed call that replaces it. The caller's name is another user's text: without
//! direction tricks, its markup escaped (notification servers render some HTML).

use notify_rust::{Hint, Notification, Timeout, Urgency};
use switchboard_app::text::for_notification_body;

/// What the user clicked on an incoming-call notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Accept,
    Reject,
    /// Clicked the body: show the app.
    Open,
}

/// Shows "X is calling"; `on_choice` runs (on a thread of its own) if the user clicks.
/// Returns the notification's id, to replace it when the call stops ringing.
pub fn incoming_call(
    caller: &str,
    ring_seconds: u32,
    on_choice: impl FnOnce(Choice) + Send + 'static,
) -> Option<u32> {
    let actions = notify_rust::get_capabilities()
        .map(|caps| caps.iter().any(|c| c == "actions"))
        .unwrap_or(false);
    let mut notification = Notification::new();
    notification
        .appname("Switchboard")
        .summary("Incoming call")
        .body(&format!(
            "{} is calling you.",
            for_notification_body(caller)
        ))
        .icon("call-start")
        .hint(Hint::Category("call.incoming".into()))
        .urgency(Urgency::Critical)
        .timeout(Timeout::Milliseconds(ring_seconds.saturating_mul(1000)));
    if actions {
        notification
            .action("default", "Open")
            .action("accept", "Accept")
            .action("reject", "Reject");
    }
    let handle = match notification.show() {
        Ok(handle) => handle,
        Err(e) => {
            tracing::warn!(error = %e, "cannot show the incoming-call notification");
            return None;
        }
    };
    let id = handle.id();
    if actions {
        std::thread::spawn(move || {
            handle.wait_for_action(|action| match action {
                "accept" => on_choice(Choice::Accept),
                "reject" => on_choice(Choice::Reject),
                "default" => on_choice(Choice::Open),
                _ => {} // closed or expired
            });
        });
    }
    Some(id)
}

/// Replaces the incoming-call notification `id` (if any) with "Missed call from X".
pub fn missed_call(id: Option<u32>, caller: &str) {
    let mut notification = Notification::new();
    if let Some(id) = id {
        notification.id(id);
    }
    let shown = notification
        .appname("Switchboard")
        .summary("Missed call")
        .body(&format!(
            "You missed a call from {}.",
            for_notification_body(caller)
        ))
        .icon("call-missed")
        .hint(Hint::Category("call.unanswered".into()))
        .urgency(Urgency::Normal)
        .show();
    if let Err(e) = shown {
        tracing::warn!(error = %e, "cannot show the missed-call notification");
    }
}

/// Takes down the incoming-call notification once the call was answered or rejected
/// elsewhere (the app's window, another device).
pub fn withdraw(id: u32) {
    let shown = Notification::new()
        .id(id)
        .appname("Switchboard")
        .summary("Call answered")
        .timeout(Timeout::Milliseconds(1))
        .show();
    if let Ok(handle) = shown {
        handle.close();
    }
}

/// Shows "Call back X (about …)" for a call-back that is due; `on_call_back` runs (on a
/// thread of its own) when the user clicks "Call back", `on_open` for the body.
pub fn callback_due(
    person: &str,
    about: Option<&str>,
    on_call_back: impl FnOnce() + Send + 'static,
    on_open: impl FnOnce() + Send + 'static,
) {
    let body = match about {
        Some(about) => format!(
            "Call {} back — about {}.",
            for_notification_body(person),
            for_notification_body(about)
        ),
        None => format!("Call {} back.", for_notification_body(person)),
    };
    offer(
        "Call-back due",
        &body,
        ("call_back", "Call back"),
        on_call_back,
        on_open,
    );
}

/// Shows "X can take calls now" for a colleague the user waited for; "Call" calls them.
pub fn colleague_available(
    person: &str,
    on_call: impl FnOnce() + Send + 'static,
    on_open: impl FnOnce() + Send + 'static,
) {
    let body = format!("{} can take calls now.", for_notification_body(person));
    offer("Available", &body, ("call", "Call"), on_call, on_open);
}

/// Shows "X started the meeting T"; "Join" joins it.
pub fn meeting_started(
    title: &str,
    starter: &str,
    on_join: impl FnOnce() + Send + 'static,
    on_open: impl FnOnce() + Send + 'static,
) {
    let body = if starter.trim().is_empty() {
        format!(
            "\u{201c}{}\u{201d} has started.",
            for_notification_body(title)
        )
    } else {
        format!(
            "{} started \u{201c}{}\u{201d}.",
            for_notification_body(starter),
            for_notification_body(title)
        )
    };
    offer("Meeting", &body, ("join", "Join"), on_join, on_open);
}

/// Shows "Incoming call: Bob Stone is adding you to a call with Ann Lee." with Join: a
/// colleague added this user to their call (it became a meeting of the three).
pub fn added_to_call(
    adder: &str,
    with: &str,
    on_join: impl FnOnce() + Send + 'static,
    on_open: impl FnOnce() + Send + 'static,
) {
    let body = format!(
        "{} is adding you to a call with {}.",
        for_notification_body(adder),
        for_notification_body(with)
    );
    offer("Incoming call", &body, ("join", "Join"), on_join, on_open);
}

/// Shows "Note from X" with the note's first line.
pub fn note_received(from: &str, text: &str, on_open: impl FnOnce() + Send + 'static) {
    let first_line: String = text
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let body = format!(
        "{}: {}",
        for_notification_body(from),
        for_notification_body(&first_line)
    );
    offer("Note", &body, ("default", "Open"), on_open, || {});
}

/// A notification with one action besides opening the app (where the notification
/// server supports actions); each handler runs on a thread of its own.
fn offer(
    summary: &str,
    body: &str,
    (action, label): (&'static str, &str),
    on_action: impl FnOnce() + Send + 'static,
    on_open: impl FnOnce() + Send + 'static,
) {
    let actions = notify_rust::get_capabilities()
        .map(|caps| caps.iter().any(|c| c == "actions"))
        .unwrap_or(false);
    let mut notification = Notification::new();
    notification
        .appname("Switchboard")
        .summary(summary)
        .body(body)
        .icon("call-start")
        .hint(Hint::Category("im".into()))
        .urgency(Urgency::Normal);
    if actions {
        notification.action("default", "Open");
        if action != "default" {
            notification.action(action, label);
        }
    }
    match notification.show() {
        Ok(handle) if actions => {
            std::thread::spawn(move || {
                handle.wait_for_action(|chosen| {
                    if chosen == action {
                        on_action();
                    } else if chosen == "default" {
                        on_open();
                    }
                });
            });
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, summary, "cannot show the notification"),
    }
}
