//! glibc malloc settings for a process that serves (the server, and the desktop app that
//! hosts its team's backend). Each must be called before other threads exist.

/// Blocks from 128 KiB up are mapped on their own and given back to the system when
/// freed. glibc otherwise raises that threshold to the size of the last such block freed
/// (up to 32 MiB): after the first password check, argon2's 19 MiB working memory came
/// from the heap, and a flood of 600 sign-ins left the server holding over 1 GiB that it
/// never returned, though at most two checks ran at a time (+57 MiB with the fixed
/// threshold, docs/security.md). An operator's own `MALLOC_MMAP_THRESHOLD_` wins.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: mallopt only sets a glibc tunable; the caller runs before any other
        // thread exists.
        let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
        if set != 1 {
            tracing::debug!("glibc refused the mmap threshold; using its default");
        }
    }
}

/// glibc gives each thread that allocates its own malloc arena, up to eight per core.
/// The server's threads (async workers, the blocking pool that runs SQLite, the presence
/// feed) each leave partly used arenas behind: 4–7 MB more resident memory holding
/// 10,000 sockets, with no measurable speed gained (docs/performance.md). Threads keep
/// their small-block caches, so one shared arena is rarely contended. An operator's own
/// `MALLOC_ARENA_MAX` wins.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: as above.
        let set = unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
        if set != 1 {
            tracing::debug!("glibc refused the malloc arena limit; using its default");
        }
    }
}
