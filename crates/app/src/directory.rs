//! Everyone on the server with their presence, kept from the engine's events, so a ring,
//! a call link or a redraw reads it here instead of waiting on `GET /api/users/`.

use switchboard_client::Event;
use switchboard_protocol::PresenceStatus;
use switchboard_protocol::api::DirectoryEntry;

#[derive(Debug, Default)]
pub struct Directory {
    users: Vec<DirectoryEntry>,
}

impl Directory {
    /// Takes in a directory or presence event; other events change nothing.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Directory { users } => self.users = users.clone(),
            Event::Presence {
                user_id,
                status,
                available_for_calls,
                status_message,
            } => {
                let Some(user) = self.users.iter_mut().find(|u| u.id == *user_id) else {
                    return;
                };
                let presence = &mut user.presence;
                presence.status = *status;
                presence.available_for_calls = *available_for_calls;
                // `None`: the server sends no messages; the one known stands.
                if let Some(message) = status_message {
                    presence.status_message.clone_from(message);
                }
                // As the server derives them (busy covers being in a call).
                presence.is_online = *status != PresenceStatus::Offline;
                presence.is_available = *available_for_calls
                    && matches!(status, PresenceStatus::Online | PresenceStatus::Away);
            }
            _ => {}
        }
    }

    /// A fresh copy of the whole directory (after adding a teammate).
    pub fn replace(&mut self, users: Vec<DirectoryEntry>) {
        self.users = users;
    }

    pub fn everyone(&self) -> &[DirectoryEntry] {
        &self.users
    }

    /// A colleague by username, ignoring case (call links).
    pub fn by_username(&self, username: &str) -> Option<&DirectoryEntry> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    pub fn by_id(&self, id: i64) -> Option<&DirectoryEntry> {
        self.users.iter().find(|u| u.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::api::PresenceView;

    fn entry(id: i64, username: &str, status: PresenceStatus) -> DirectoryEntry {
        DirectoryEntry {
            id,
            username: username.into(),
            email: String::new(),
            full_name: String::new(),
            is_active: true,
            presence: PresenceView {
                status,
                available_for_calls: true,
                status_message: "at my desk".into(),
                last_seen: None,
                current_call: None,
                is_online: status != PresenceStatus::Offline,
                is_available: status == PresenceStatus::Online,
            },
        }
    }

    #[test]
    fn presence_events_update_one_colleague_and_keep_an_unsent_message() {
        let mut directory = Directory::default();
        directory.apply(&Event::Directory {
            users: vec![
                entry(1, "ann", PresenceStatus::Online),
                entry(2, "Bob", PresenceStatus::Online),
            ],
        });
        directory.apply(&Event::Presence {
            user_id: 2,
            status: PresenceStatus::Dnd,
            available_for_calls: true,
            status_message: None,
        });
        let bob = directory.by_username("bob").map(|u| u.presence.clone());
        assert_eq!(bob.as_ref().map(|p| p.status), Some(PresenceStatus::Dnd));
        assert_eq!(
            bob.as_ref().map(|p| p.status_message.as_str()),
            Some("at my desk")
        );
        assert_eq!(bob.as_ref().map(|p| p.is_available), Some(false));
        directory.apply(&Event::Presence {
            user_id: 2,
            status: PresenceStatus::Offline,
            available_for_calls: true,
            status_message: Some(String::new()),
        });
        let bob = directory.by_id(2).map(|u| u.presence.clone());
        assert_eq!(bob.as_ref().map(|p| p.is_online), Some(false));
        assert_eq!(bob.as_ref().map(|p| p.status_message.as_str()), Some(""));
        assert_eq!(
            directory.by_id(1).map(|u| u.presence.status),
            Some(PresenceStatus::Online),
            "nobody else changed"
        );
        // Presence of someone not listed (an account added since) changes nothing here:
        // the engine fetches the directory again and a Directory event follows.
        directory.apply(&Event::Presence {
            user_id: 9,
            status: PresenceStatus::Online,
            available_for_calls: true,
            status_message: None,
        });
        assert_eq!(directory.everyone().len(), 2);
    }
}
