//! The data directory and the database files in it are the server's alone: other users
//! of the machine must not read the accounts, password hashes and the token-signing
//! secret they hold. Checked at every start; a looser mode is tightened and logged.

use std::io;
use std::path::Path;

/// The data directory: owner only.
pub const DIR_MODE: u32 = 0o700;
/// Files in it: owner read and write.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (owner-only) if it is missing; tightens it if it exists with a looser mode.
pub fn data_dir(dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        create_private_dir(dir)?;
    }
    tighten(dir, DIR_MODE)
}

/// Creates the SQLite file owner-only before SQLite opens it, so its `-wal` and `-shm`
/// (which SQLite creates with the database's mode) are owner-only from the start.
pub fn precreate(file: &Path) -> io::Result<()> {
    if file.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(file).map(drop)
}

/// Tightens the SQLite database, its `-wal`, `-shm` and serving lock, where they exist.
pub fn database_files(database: &Path) -> io::Result<()> {
    for suffix in ["", "-wal", "-shm", ".serving-lock"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        let path = Path::new(&name);
        if path.exists() {
            tighten(path, FILE_MODE)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Removes any permission beyond `allowed` (group and other bits, in practice).
#[cfg(unix)]
fn tighten(path: &Path, allowed: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & !allowed == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & allowed))?;
    tracing::warn!(
        path = %path.display(),
        was = %format_args!("{mode:o}"),
        now = %format_args!("{:o}", mode & allowed),
        "other users of this machine could read this; its permissions are tightened"
    );
    Ok(())
}

/// Windows keeps per-user data under the user's profile, which is private already.
#[cfg(not(unix))]
fn tighten(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}
