//! Meetings in the app (issue 24): the user's meetings, and being in one. A meeting's
//! audio is the client's mesh ([`MeetingMedia`]) on the same devices and voice path as a
//! call's; the UI follows it through [`MeetingView`]s, sent as they change and five times
//! a second while in one (levels).
//!
//! One thing at a time: a meeting cannot be joined during a call, nor a call placed or
//! answered during a meeting; calls that ring meanwhile are declined with "In a meeting"
//! so the caller knows at once.

use crate::controller::Controller;
use crate::error::AppError;
use crate::meeting_view::{
    IN_A_MEETING_STATUS, InMeeting, MeetingPeer, MeetingPeerState, MeetingView,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use switchboard_client::call::MediaOptions;
use switchboard_client::meeting::{MeetingMedia, MeetingVideo, PeerState};
use switchboard_client::meter::QualityMeter;
use switchboard_client::{ClientError, Event};
use switchboard_protocol::PresenceStatus;
use switchboard_protocol::api::{Meeting, NewMeeting, Page};
use tokio::sync::watch;

/// How often levels go to the UI while in a meeting.
const VIEW_EVERY: Duration = Duration::from_millis(200);
/// How often each connection's quality is measured.
const QUALITY_EVERY: Duration = Duration::from_secs(1);

impl Controller {
    /// One page (from 1) of the meetings I host or am invited to, newest first.
    pub async fn meetings(&self, page: u32) -> Result<Page<Meeting>, AppError> {
        let page = page.max(1);
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .meetings(page, 20)
            .await?)
    }

    /// Creates a meeting I host, with the colleagues invited and an optional time.
    pub async fn create_meeting(&self, new: NewMeeting) -> Result<Meeting, AppError> {
        if new.title.trim().is_empty() {
            return Err(AppError::invalid("Give the meeting a title."));
        }
        let phone = self.phone().await?;
        Ok(phone.engine().api().schedule_meeting(&new).await?)
    }

    /// Deletes a meeting I host; anyone in it is put out of it.
    pub async fn delete_meeting(&self, meeting_id: i64) -> Result<(), AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .delete_meeting(meeting_id)
            .await?)
    }

    /// Joins a meeting's audio, starting its call if nobody has (the others are told and
    /// offered to join). Refused during a call, and while in another meeting.
    pub async fn join_meeting(self: &Arc<Self>, meeting_id: i64) -> Result<MeetingView, AppError> {
        let phone = self.phone().await?;
        if let Some(call) = phone.current_call().await {
            let me = phone.engine().me().id;
            let other = if call.initiator == me {
                &call.recipient_details
            } else {
                &call.initiator_details
            };
            return Err(AppError::invalid(format!(
                "You are in a call with {}; end it before joining the meeting.",
                other.display_name()
            )));
        }
        let mut slot = self.meeting.lock().await;
        if let Some(current) = slot.as_ref() {
            if current.meeting_id == meeting_id {
                return Ok(current.view.borrow().clone());
            }
            return Err(AppError::invalid(format!(
                "You are in the meeting \"{}\"; leave it before joining another.",
                current.view.borrow().title
            )));
        }
        let engine = phone.engine();
        let api = engine.api();
        let mut meeting = api.meeting(meeting_id).await?;
        if meeting.active_call_id.is_none() {
            match api.start_meeting_call(meeting_id).await {
                Ok(call) => meeting.active_call_id = Some(call.id),
                // Someone started it meanwhile: join theirs.
                Err(ClientError::Refused { status, .. }) if status.as_u16() == 409 => {
                    meeting = api.meeting(meeting_id).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let audio = (self.open_audio())().map_err(AppError::Devices)?;
        let options = MediaOptions::for_server(api.base());
        // Every meeting can carry video: the camera starts off, and each member's
        // pictures go to the UI as they come.
        let video = MeetingVideo {
            source: None,
            sink_for: self.meeting_pictures(),
        };
        let media = MeetingMedia::join_with_video(
            api,
            engine.me().id,
            meeting_id,
            audio.source,
            audio.sink,
            options,
            Some(video),
        )
        .await?;
        let media = Arc::new(media);
        let view = watch::Sender::new(first_view(&meeting, engine.me().id));
        let follow = tokio::spawn(follow(Arc::downgrade(self), media.clone(), view.clone()));
        let shown = view.borrow().clone();
        tracing::info!(meeting_id, "joined the meeting");
        let status_before = self.busy_for_meeting(engine.me().id).await;
        *slot = Some(InMeeting {
            meeting_id,
            media,
            view,
            follow,
            ending: AtomicBool::new(false),
            status_before,
            _keep: audio.keep,
        });
        drop(slot);
        self.shell.on_meeting(Some(&shown));
        Ok(shown)
    }

    /// Adds `user_id` to the call in progress: it grows into a meeting of the three,
    /// which this app (and the other party's) then joins without hanging up.
    pub async fn add_to_call(&self, user_id: i64) -> Result<Meeting, AppError> {
        Ok(self.phone().await?.add_participant(user_id).await?.meeting)
    }

    /// A call this app ran grew into a meeting (either party added someone): once the
    /// phone has let go of it, joins the meeting. Reported as a problem if it cannot.
    pub(crate) fn follow_call_into_meeting(self: &Arc<Self>, call_id: i64, meeting_id: i64) {
        let controller = self.clone();
        tokio::spawn(async move {
            if let Ok(phone) = controller.phone().await
                && !phone.released(call_id, Duration::from_secs(3)).await
            {
                tracing::warn!(call_id, "the call was not let go of in 3 s; joining anyway");
            }
            tracing::info!(call_id, meeting_id, "the call grew into a meeting: joining");
            if let Err(e) = controller.join_meeting(meeting_id).await {
                controller.problem(format!(
                    "The call moved to a meeting, but joining it failed: {e}"
                ));
            }
        });
    }

    /// Leaves the meeting (the others carry on).
    pub async fn leave_meeting(&self) -> Result<(), AppError> {
        self.leave_meeting_because(None).await;
        Ok(())
    }

    /// Ends the meeting's call for everyone in it, then leaves.
    pub async fn end_meeting(&self) -> Result<(), AppError> {
        let call_id = {
            let slot = self.meeting.lock().await;
            let Some(current) = slot.as_ref() else {
                return Err(AppError::invalid("You are not in a meeting."));
            };
            current.ending.store(true, Ordering::Relaxed);
            current.view.borrow().call_id
        };
        if let Some(call_id) = call_id {
            let phone = self.phone().await?;
            match phone.engine().api().end_meeting_call(call_id).await {
                // Someone ended it first: the same for us.
                Ok(_) => {}
                Err(ClientError::Refused { status, .. }) if status.as_u16() == 409 => {}
                Err(e) => {
                    if let Some(current) = self.meeting.lock().await.as_ref() {
                        current.ending.store(false, Ordering::Relaxed);
                    }
                    return Err(e.into());
                }
            }
        }
        self.leave_meeting_because(None).await;
        Ok(())
    }

    pub async fn set_meeting_muted(&self, muted: bool) -> Result<MeetingView, AppError> {
        let slot = self.meeting.lock().await;
        let Some(current) = slot.as_ref() else {
            return Err(AppError::invalid("You are not in a meeting."));
        };
        current.media.set_muted(muted);
        current.view.send_modify(|v| v.muted = muted);
        Ok(current.view.borrow().clone())
    }

    /// Turns my camera on or off in the meeting: everyone sees my pictures from now on,
    /// or no longer. Refused in words when no camera is set up.
    pub async fn set_meeting_camera(&self, on: bool) -> Result<MeetingView, AppError> {
        let source = if on {
            Some(self.camera_for_sending()?)
        } else {
            None
        };
        let slot = self.meeting.lock().await;
        let Some(current) = slot.as_ref() else {
            return Err(AppError::invalid("You are not in a meeting."));
        };
        current.media.set_video(source)?;
        current.view.send_modify(|v| v.camera_on = on);
        Ok(current.view.borrow().clone())
    }

    /// The meeting this app is in, if any.
    pub async fn current_meeting(&self) -> Option<MeetingView> {
        let slot = self.meeting.lock().await;
        slot.as_ref().map(|m| m.view.borrow().clone())
    }

    /// Refuses a call while in a meeting, in words.
    pub(crate) async fn not_in_meeting(&self) -> Result<(), AppError> {
        match self.meeting.lock().await.as_ref() {
            Some(m) => Err(AppError::invalid(format!(
                "You are in the meeting \"{}\"; leave it before calling.",
                m.view.borrow().title
            ))),
            None => Ok(()),
        }
    }

    /// Whether a meeting is under way here (calls are declined meanwhile).
    pub(crate) async fn in_meeting(&self) -> bool {
        self.meeting.lock().await.is_some()
    }

    /// Leaves the meeting; `why` (ended, deleted, lost) is shown, nothing for a leave.
    pub(crate) async fn leave_meeting_because(&self, why: Option<String>) {
        let Some(current) = self.meeting.lock().await.take() else {
            return;
        };
        // Stopped and waited for, so the media's last other owner is gone.
        current.follow.abort();
        let _ = current.follow.await;
        let mut last = current.view.borrow().clone();
        last.ended = why;
        match Arc::try_unwrap(current.media) {
            Ok(media) => media.leave().await,
            Err(_) => tracing::warn!("the meeting's media is still shared; it stops when dropped"),
        }
        tracing::info!(meeting_id = current.meeting_id, "left the meeting");
        if let Some((status, message)) = current.status_before {
            self.status_after_meeting(status, message).await;
        }
        match last.ended {
            Some(_) => self.shell.on_meeting(Some(&last)),
            None => self.shell.on_meeting(None),
        }
    }

    /// The engine's news about meetings: one that ended puts this app out of it.
    pub(crate) async fn meeting_event(&self, event: &Event) {
        if let Event::MeetingEnded { meeting_id, .. } = event {
            let ours =
                self.meeting.lock().await.as_ref().is_some_and(|m| {
                    m.meeting_id == *meeting_id && !m.ending.load(Ordering::Relaxed)
                });
            if ours {
                self.leave_meeting_because(Some("The meeting has ended.".into()))
                    .await;
            }
        }
    }
}

impl Controller {
    /// Shows colleagues I am in a meeting (busy, "In a meeting": the server then refuses
    /// calls to me as busy) when I was simply online; returns what to give back.
    async fn busy_for_meeting(&self, me: i64) -> Option<(PresenceStatus, String)> {
        let before = self.live().directory.by_id(me).map(|u| {
            let p = &u.presence;
            (p.status, p.status_message.clone())
        })?;
        if before.0 != PresenceStatus::Online {
            return None;
        }
        match self
            .set_status(PresenceStatus::Busy, IN_A_MEETING_STATUS.to_owned())
            .await
        {
            Ok(()) => Some(before),
            Err(e) => {
                tracing::warn!(error = %e, "cannot show the meeting in my status");
                None
            }
        }
    }

    /// Gives my status back after a meeting, unless I changed it during the meeting.
    async fn status_after_meeting(&self, status: PresenceStatus, message: String) {
        let Ok(phone) = self.phone().await else {
            return;
        };
        let me = phone.engine().me().id;
        let still_ours = self.live().directory.by_id(me).is_some_and(|u| {
            u.presence.status == PresenceStatus::Busy
                && u.presence.status_message == IN_A_MEETING_STATUS
        });
        if still_ours && let Err(e) = self.set_status(status, message).await {
            tracing::warn!(error = %e, "cannot give my status back after the meeting");
        }
    }
}

fn first_view(meeting: &Meeting, me: i64) -> MeetingView {
    let mut people = vec![meeting.host.clone()];
    people.extend(meeting.participants.iter().cloned());
    let mut seen = std::collections::BTreeSet::new();
    let participants = people
        .into_iter()
        .filter(|p| p.id != me && seen.insert(p.id))
        .map(|p| MeetingPeer {
            user_id: p.id,
            name: p.display_name().to_owned(),
            state: MeetingPeerState::Away,
            level: 0.0,
            quality: None,
        })
        .collect();
    MeetingView {
        meeting_id: meeting.id,
        title: meeting.title.clone(),
        host_id: meeting.host.id,
        call_id: meeting.active_call_id,
        muted: false,
        camera_on: false,
        my_level: 0.0,
        participants,
        ended: None,
    }
}

/// Keeps the view up to date while in the meeting, and leaves it when the server closes
/// its room.
async fn follow(
    controller: std::sync::Weak<Controller>,
    media: Arc<MeetingMedia>,
    view: watch::Sender<MeetingView>,
) {
    let mut tick = tokio::time::interval(VIEW_EVERY);
    let mut closed = media.closed();
    let mut meters: BTreeMap<i64, QualityMeter> = BTreeMap::new();
    let mut last_quality = Instant::now();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = closed.changed() => {
                let why = closed.borrow().clone();
                if changed.is_ok() && why.is_some() {
                    if let Some(controller) = controller.upgrade() {
                        // From a task of its own: leaving aborts this one.
                        tokio::spawn(async move {
                            controller.leave_meeting_because(why).await;
                        });
                    }
                    return;
                }
            }
        }
        let peers = media.peers();
        let levels: BTreeMap<i64, f32> = media.levels().into_iter().collect();
        let qualities = if last_quality.elapsed() >= QUALITY_EVERY {
            last_quality = Instant::now();
            let now = Instant::now();
            let stats = media.stats().await;
            meters.retain(|user, _| stats.contains_key(user));
            stats
                .into_iter()
                .map(|(user, s)| {
                    let meter = meters.entry(user).or_insert_with(|| QualityMeter::new(now));
                    (user, meter.measure(now, s))
                })
                .collect()
        } else {
            BTreeMap::new()
        };
        let my_level = media.my_level();
        view.send_modify(|v| {
            v.my_level = if v.muted { 0.0 } else { my_level };
            for p in &mut v.participants {
                p.state = match peers.get(&p.user_id) {
                    None => MeetingPeerState::Away,
                    Some(PeerState::Connecting) => MeetingPeerState::Connecting,
                    Some(PeerState::Connected(_)) => MeetingPeerState::Connected,
                };
                p.level = levels.get(&p.user_id).copied().unwrap_or(0.0);
                if p.state != MeetingPeerState::Connected {
                    p.quality = None;
                } else if let Some(q) = qualities.get(&p.user_id) {
                    p.quality = Some(q.clone());
                }
            }
        });
        let Some(controller) = controller.upgrade() else {
            return;
        };
        let shown = view.borrow().clone();
        controller.shell.on_meeting(Some(&shown));
    }
}
