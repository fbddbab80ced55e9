//! Each engine's dialect: the statements whose SQL differs between SQLite and
//! PostgreSQL (case-insensitive names, and a list bound as one parameter), each written
//! once over the engine's way of turning a JSON array into rows.

use super::Dialect;

/// The ids in the JSON array bound at `$param`, as a one-column table (`value`): how
/// each engine lets one statement take a list.
macro_rules! sqlite_ids {
    ($param:literal) => {
        concat!("SELECT value FROM json_each(", $param, ")")
    };
}
macro_rules! postgres_ids {
    ($param:literal) => {
        concat!(
            "SELECT CAST(value AS BIGINT) AS value FROM json_array_elements_text(CAST(",
            $param,
            " AS TEXT)::json)"
        )
    };
}

/// The statements that take a list, each written once over an engine's `ids` macro.
macro_rules! users_by_ids {
    ($ids:ident) => {
        concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id IN (",
            $ids!("?1"),
            ")"
        )
    };
}
macro_rules! participants_of_meetings {
    ($ids:ident) => {
        concat!(
            "SELECT meeting_id, user_id FROM meeting_participants WHERE meeting_id IN (",
            $ids!("?1"),
            ") ORDER BY meeting_id, user_id"
        )
    };
}
macro_rules! add_participants {
    ($ids:ident) => {
        concat!(
            "INSERT INTO meeting_participants (meeting_id, user_id)
             SELECT CAST(?1 AS BIGINT), value FROM (",
            $ids!("?2"),
            // `WHERE true`: SQLite reads ON CONFLICT after a bare SELECT as a join's.
            ") AS ids WHERE true ON CONFLICT DO NOTHING"
        )
    };
}

/// SQLite: names compared with `COLLATE NOCASE`, lists through `json_each`.
pub const SQLITE: Dialect = Dialect {
    user_by_login: concat!(
        "SELECT ",
        user_columns!(),
        " FROM users
         WHERE username = ?1 COLLATE NOCASE OR (email <> '' AND email = ?1 COLLATE NOCASE)
         ORDER BY username = ?1 COLLATE NOCASE DESC LIMIT 1"
    ),
    username_taken: "SELECT 1 FROM users WHERE username = ?1 COLLATE NOCASE",
    users_by_name: concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE state <> 'deleted' ORDER BY username COLLATE NOCASE"
    ),
    users_by_ids: users_by_ids!(sqlite_ids),
    participants_of_meetings: participants_of_meetings!(sqlite_ids),
    add_participants: add_participants!(sqlite_ids),
};

/// PostgreSQL: names compared through `lower()`, lists through `json_array_elements_text`.
pub const POSTGRES: Dialect = Dialect {
    user_by_login: concat!(
        "SELECT ",
        user_columns!(),
        " FROM users
         WHERE lower(username) = lower(?1) OR (email <> '' AND lower(email) = lower(?1))
         ORDER BY (lower(username) = lower(?1)) DESC LIMIT 1"
    ),
    username_taken: "SELECT 1 FROM users WHERE lower(username) = lower(?1)",
    users_by_name: concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE state <> 'deleted' ORDER BY lower(username)"
    ),
    users_by_ids: users_by_ids!(postgres_ids),
    participants_of_meetings: participants_of_meetings!(postgres_ids),
    add_participants: add_participants!(postgres_ids),
};
