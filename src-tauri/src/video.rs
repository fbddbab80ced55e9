//! Video pictures → the UI, pulled: the UI asks for the next picture (`next_video_picture`)
//! as soon as it has the last, and gets the newest one of either feed as raw bytes (no
//! JSON, no base64). Pictures the UI had no time for are replaced, never queued: pushed
//! at 30 a second, 1.2 MB each, they piled up in the webview's IPC and the call card fell
//! seconds behind the call.
//!
//! A picture is a 12-byte header (feed, three zero bytes, width and height as
//! little-endian u32) and the RGBA pixels.

use std::sync::Mutex;
use std::time::Duration;
use switchboard_app::{VideoFeed, VideoPicture};
use tokio::sync::Notify;

/// The newest picture of each feed the UI has not taken yet.
#[derive(Default)]
pub struct VideoMailbox {
    latest: Mutex<Latest>,
    arrived: Notify,
}

struct Latest {
    pictures: [Option<Vec<u8>>; 2],
    /// The feed taken last: when both wait, the other goes first, so a far end that
    /// refills faster than the page takes never starves the preview.
    last: usize,
}

impl Default for Latest {
    /// The far end's picture goes first.
    fn default() -> Latest {
        Latest {
            pictures: [None, None],
            last: VideoFeed::Local as usize,
        }
    }
}

const HEADER: usize = 12;

/// How long the UI's request waits for a picture before it is answered with none (so a
/// page that stopped wanting pictures is not left with a request that never returns).
pub const WAIT: Duration = Duration::from_secs(1);

impl VideoMailbox {
    pub fn put(&self, picture: &VideoPicture) {
        let mut message = Vec::with_capacity(HEADER + picture.rgba.len());
        message.extend_from_slice(&[picture.feed as u8, 0, 0, 0]);
        message.extend_from_slice(&picture.width.to_le_bytes());
        message.extend_from_slice(&picture.height.to_le_bytes());
        message.extend_from_slice(&picture.rgba);
        if let Ok(mut latest) = self.latest.lock() {
            latest.pictures[picture.feed as usize] = Some(message);
        }
        self.arrived.notify_one();
    }

    /// Forgets what the page has not taken: a call began or ended, and its pictures must
    /// not open the next one.
    pub fn clear(&self) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = Latest::default();
        }
    }

    /// The newest untaken picture (the feeds in turn when both wait), waiting up to
    /// `within` for one; empty if none came.
    pub async fn next(&self, within: Duration) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(picture) = self.take() {
                return picture;
            }
            if tokio::time::timeout_at(deadline, self.arrived.notified())
                .await
                .is_err()
            {
                return Vec::new();
            }
        }
    }

    fn take(&self) -> Option<Vec<u8>> {
        let mut latest = self.latest.lock().ok()?;
        let order = [VideoFeed::Remote as usize, VideoFeed::Local as usize];
        let feed = order
            .into_iter()
            .filter(|&f| latest.pictures[f].is_some())
            .min_by_key(|&f| f == latest.last)?;
        latest.last = feed;
        latest.pictures[feed].take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(feed: VideoFeed, shade: u8) -> VideoPicture {
        VideoPicture {
            feed,
            width: 2,
            height: 1,
            rgba: vec![shade; 8],
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_newest_picture_of_each_feed_is_taken_and_none_queue() {
        let mailbox = VideoMailbox::default();
        assert!(
            mailbox.next(WAIT).await.is_empty(),
            "nothing yet: empty after the wait"
        );
        for shade in [1, 2, 3] {
            mailbox.put(&picture(VideoFeed::Local, shade));
        }
        mailbox.put(&picture(VideoFeed::Remote, 9));
        let first = mailbox.next(WAIT).await;
        assert_eq!(&first[..HEADER], &[0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(&first[HEADER..], &[9; 8], "the far end's first");
        let second = mailbox.next(WAIT).await;
        assert_eq!(
            (second[0], second[HEADER]),
            (1, 3),
            "only the newest preview"
        );
        assert!(mailbox.next(WAIT).await.is_empty(), "none left over");
    }

    #[tokio::test(start_paused = true)]
    async fn both_feeds_take_turns_and_a_call_s_leftovers_are_dropped() {
        let mailbox = VideoMailbox::default();
        let mut feeds = Vec::new();
        for shade in 0..4 {
            // The far end refills before every request; the preview still gets its turn.
            mailbox.put(&picture(VideoFeed::Remote, shade));
            mailbox.put(&picture(VideoFeed::Local, shade));
            feeds.push(mailbox.next(WAIT).await[0]);
        }
        assert_eq!(feeds, [0, 1, 0, 1]);
        mailbox.put(&picture(VideoFeed::Remote, 7));
        mailbox.clear();
        assert!(
            mailbox.next(WAIT).await.is_empty(),
            "the last call's picture is gone"
        );
    }
}
