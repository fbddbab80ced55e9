//! Video pictures → the UI, pulled: the UI asks for the next picture (`next_video_picture`)
//! as soon as it has the last, and gets the newest one of some feed as a JPEG behind a
//! small header (no JSON, no base64). Pictures the UI had no time for are replaced, never
//! queued, and never converted.
//!
//! Why pulled: pushed at 30 a second on a Tauri channel, pictures piled up in the
//! webview's IPC and the call card fell seconds behind the call. Why JPEG: WebKitGTK's
//! IPC carried a 1.2 MB RGBA picture in ~115 ms (8 a second); the test pattern at
//! 640×480 is a 13 kB JPEG made in ~3 ms (docs/video.md).
//!
//! A message is a 20-byte header (the feed's kind: 0 the call's far end, 1 my preview,
//! 2 a meeting member; three zero bytes; width and height as little-endian u32; the
//! member's user id as a little-endian i64, 0 for a call's feeds) and the JPEG.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use switchboard_app::{VideoFeed, VideoPicture};
use switchboard_video::Frame;
use switchboard_video::convert::to_jpeg;
use tokio::sync::Notify;

/// JPEG quality: text on a shared screen stays legible, a face stays a face.
const QUALITY: u8 = 80;

/// The newest picture of each feed the UI has not taken yet.
#[derive(Default)]
pub struct VideoMailbox {
    latest: Mutex<Latest>,
    arrived: Notify,
}

#[derive(Default)]
struct Latest {
    pictures: BTreeMap<VideoFeed, Frame>,
    /// When each feed was last taken (a count of pictures taken): of the feeds waiting,
    /// the one taken longest ago goes first, so a far end that refills faster than the
    /// page takes never starves the preview, nor one meeting member another.
    taken: BTreeMap<VideoFeed, u64>,
    count: u64,
}

const HEADER: usize = 20;

/// How long the UI's request waits for a picture before it is answered with none (so a
/// page that stopped wanting pictures is not left with a request that never returns).
pub const WAIT: Duration = Duration::from_secs(1);

impl VideoMailbox {
    pub fn put(&self, picture: VideoPicture) {
        if let Ok(mut latest) = self.latest.lock() {
            latest.pictures.insert(picture.feed, picture.frame);
        }
        self.arrived.notify_one();
    }

    /// Forgets what the page has not taken: a call or meeting began or ended, and its
    /// pictures must not open the next one.
    pub fn clear(&self) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = Latest::default();
        }
    }

    /// The newest untaken picture (the feeds in turn when several wait) as a message,
    /// waiting up to `within` for one; empty if none came.
    pub async fn next(&self, within: Duration) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some((feed, frame)) = self.take() {
                // A few ms of coding: off the runtime's threads.
                let message = tokio::task::spawn_blocking(move || message(feed, &frame)).await;
                match message {
                    Ok(Some(message)) => return message,
                    Ok(None) | Err(_) => continue,
                }
            }
            if tokio::time::timeout_at(deadline, self.arrived.notified())
                .await
                .is_err()
            {
                return Vec::new();
            }
        }
    }

    fn take(&self) -> Option<(VideoFeed, Frame)> {
        let mut latest = self.latest.lock().ok()?;
        // Never taken counts as longest ago; ties go in the feeds' order (the far end,
        // then the preview, then the members).
        let feed = *latest
            .pictures
            .keys()
            .min_by_key(|feed| latest.taken.get(feed).copied().unwrap_or(0))?;
        latest.count += 1;
        let count = latest.count;
        latest.taken.insert(feed, count);
        latest.pictures.remove(&feed).map(|frame| (feed, frame))
    }
}

/// The header and the JPEG; `None` if the picture cannot be coded (said in the log).
fn message(feed: VideoFeed, frame: &Frame) -> Option<Vec<u8>> {
    let jpeg = to_jpeg(frame, QUALITY)
        .map_err(|e| tracing::debug!(error = %e, "picture not shown"))
        .ok()?;
    let mut message = Vec::with_capacity(HEADER + jpeg.len());
    message.extend_from_slice(&[feed.kind(), 0, 0, 0]);
    message.extend_from_slice(&frame.width().to_le_bytes());
    message.extend_from_slice(&frame.height().to_le_bytes());
    message.extend_from_slice(&feed.member().to_le_bytes());
    message.extend_from_slice(&jpeg);
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_video::pattern::TestPattern;

    /// A picture numbered `n` (its pattern's stamp), to tell pictures apart after coding.
    fn picture(feed: VideoFeed, n: u32) -> VideoPicture {
        VideoPicture {
            feed,
            frame: TestPattern::new(128, 64).expect("a size").next_frame(n),
        }
    }

    /// The stamp a message's JPEG shows, by decoding it again.
    fn stamp_of(message: &[u8]) -> u32 {
        let rgb = jpeg_decoder::Decoder::new(&message[HEADER..])
            .decode()
            .expect("a JPEG");
        let bgrx: Vec<u8> = rgb.chunks(3).flat_map(|p| [p[2], p[1], p[0], 0]).collect();
        let frame = switchboard_video::convert::BgrxToI420::new(128, 64)
            .and_then(|mut c| c.convert(&bgrx, 128, 64, 128 * 4))
            .expect("converted");
        switchboard_video::pattern::read_stamp(&frame)
            .expect("the pattern")
            .stamp
    }

    #[tokio::test(start_paused = true)]
    async fn the_newest_picture_of_each_feed_is_taken_as_a_jpeg_and_none_queue() {
        let mailbox = VideoMailbox::default();
        assert!(
            mailbox.next(WAIT).await.is_empty(),
            "nothing yet: empty after the wait"
        );
        for n in [1, 2, 3] {
            mailbox.put(picture(VideoFeed::Local, n));
        }
        mailbox.put(picture(VideoFeed::Remote, 9));
        let first = mailbox.next(WAIT).await;
        assert_eq!(
            &first[..HEADER],
            &[
                0, 0, 0, 0, 128, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            ]
        );
        assert_eq!(&first[HEADER..HEADER + 2], &[0xff, 0xd8], "a JPEG follows");
        assert_eq!(stamp_of(&first), 9, "the far end's first");
        let second = mailbox.next(WAIT).await;
        assert_eq!(
            (second[0], stamp_of(&second)),
            (1, 3),
            "only the newest preview"
        );
        assert!(mailbox.next(WAIT).await.is_empty(), "none left over");
    }

    #[tokio::test(start_paused = true)]
    async fn both_feeds_take_turns_and_a_call_s_leftovers_are_dropped() {
        let mailbox = VideoMailbox::default();
        let mut feeds = Vec::new();
        for n in 0..4 {
            // The far end refills before every request; the preview still gets its turn.
            mailbox.put(picture(VideoFeed::Remote, n));
            mailbox.put(picture(VideoFeed::Local, n));
            feeds.push(mailbox.next(WAIT).await[0]);
        }
        assert_eq!(feeds, [0, 1, 0, 1]);
        mailbox.put(picture(VideoFeed::Remote, 7));
        mailbox.clear();
        assert!(
            mailbox.next(WAIT).await.is_empty(),
            "the last call's picture is gone"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_meetings_members_and_my_preview_take_turns_each_named() {
        let mailbox = VideoMailbox::default();
        let mut taken = Vec::new();
        for n in 0..6 {
            // Member 7 refills before every request; 300 and the preview still get theirs.
            mailbox.put(picture(VideoFeed::Member(7), n));
            if n % 2 == 0 {
                mailbox.put(picture(VideoFeed::Member(300), n));
                mailbox.put(picture(VideoFeed::Local, n));
            }
            let message = mailbox.next(WAIT).await;
            let member = i64::from_le_bytes(message[12..20].try_into().expect("8 bytes"));
            taken.push((message[0], member));
        }
        assert_eq!(
            taken,
            [(1, 0), (2, 7), (2, 300), (1, 0), (2, 7), (2, 300)],
            "every waiting feed in turn"
        );
    }
}
