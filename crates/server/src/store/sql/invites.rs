//! Invite codes (the team-server hardening issue): stored by the hash of the code, used
//! once, withdrawn while unused.

use super::rows::invite_row;
use super::{Conn, SqlTx};
use crate::store::{InviteRow, StorageError};

impl<C: Conn> SqlTx<C> {
    pub(super) fn invite_insert(
        &mut self,
        code_hash: &str,
        invite: &InviteRow,
    ) -> Result<i64, StorageError> {
        self.insert(
            "INSERT INTO invites (code_hash, created_by, created_at, expires_at, revoked)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            &[
                code_hash.into(),
                invite.created_by.into(),
                invite.created_at.into(),
                invite.expires_at.into(),
                invite.revoked.into(),
            ],
            || StorageError::Conflict("That invite code exists already; make another.".into()),
        )
    }

    pub(super) fn invite_find_by_code_hash(
        &mut self,
        code_hash: &str,
    ) -> Result<Option<InviteRow>, StorageError> {
        self.row(
            concat!(
                "SELECT ",
                invite_columns!(),
                " FROM invites WHERE code_hash = ?1"
            ),
            &[code_hash.into()],
            invite_row,
        )
    }

    pub(super) fn invite_find(&mut self, id: i64) -> Result<Option<InviteRow>, StorageError> {
        self.row(
            concat!("SELECT ", invite_columns!(), " FROM invites WHERE id = ?1"),
            &[id.into()],
            invite_row,
        )
    }

    pub(super) fn invite_list(&mut self) -> Result<Vec<InviteRow>, StorageError> {
        self.rows(
            concat!(
                "SELECT ",
                invite_columns!(),
                " FROM invites ORDER BY id DESC"
            ),
            &[],
            invite_row,
        )
    }

    pub(super) fn invite_use(&mut self, id: i64, user_id: i64) -> Result<bool, StorageError> {
        let changed = self.execute(
            "UPDATE invites SET used_by = ?2 WHERE id = ?1 AND used_by IS NULL AND revoked = ?3",
            &[id.into(), user_id.into(), false.into()],
        )?;
        Ok(changed > 0)
    }

    pub(super) fn invite_revoke(&mut self, id: i64) -> Result<bool, StorageError> {
        let changed = self.execute(
            "UPDATE invites SET revoked = ?2 WHERE id = ?1 AND used_by IS NULL",
            &[id.into(), true.into()],
        )?;
        Ok(changed > 0)
    }
}
