//! The column lists the statements select, in the order the row decoders read them
//! (see `rows`); macros, so `concat!` can build each statement at compile time.

macro_rules! user_columns {
    () => {
        "id, username, email, full_name, is_admin, password_hash, state, token_epoch"
    };
}
macro_rules! invite_columns {
    () => {
        "id, created_by, created_at, expires_at, used_by, revoked"
    };
}
macro_rules! call_columns {
    () => {
        "id, session_id, room_name, call_type, status, initiator_id, recipient_id, started_at, ended_at, created_at, regarding_type, regarding_id, regarding_label, regarding_url, decline_message, on_hold_by, held_since, hold_seconds, transferred_from, escalated_to_meeting"
    };
}
macro_rules! video_call_columns {
    () => {
        "id, meeting_id, caller_id, status, started_at, ended_at"
    };
}
macro_rules! presence_columns {
    () => {
        "user_id, status, available_for_calls, status_message, last_seen, current_call, status_before_call, open_sockets"
    };
}
macro_rules! meeting_columns {
    () => {
        "id, title, host_id, status, scheduled_at, created_at"
    };
}
