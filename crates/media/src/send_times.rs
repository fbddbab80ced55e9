//! Notes when each video packet leaves and how big it is, by its transport-wide sequence
//! number, for the delay-based estimate (congestion.rs) to set against the far end's
//! feedback. webrtc-rs numbers the packets (its TWCC sender interceptor) but keeps no
//! record of them: this interceptor sits just inside that one, so it sees each packet
//! numbered, as it goes to the wire, resends included.

use crate::congestion::SentPackets;
use crate::error::MediaError;
use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use webrtc::api::media_engine::MediaEngine;
use webrtc::interceptor::registry::Registry;
use webrtc::interceptor::stream_info::StreamInfo;
use webrtc::interceptor::twcc::receiver::Receiver as TwccReceiver;
use webrtc::interceptor::twcc::sender::Sender as TwccSender;
use webrtc::interceptor::{
    Attributes, Interceptor, InterceptorBuilder, RTCPReader, RTCPWriter, RTPReader, RTPWriter,
};
use webrtc::rtp::extension::transport_cc_extension::TransportCcExtension;
use webrtc::rtp_transceiver::rtp_codec::{RTCRtpHeaderExtensionCapability, RTPCodecType};
use webrtc::rtp_transceiver::{RTCPFeedback, TYPE_RTCP_FB_TRANSPORT_CC};
use webrtc::sdp::extmap::TRANSPORT_CC_URI;
use webrtc::util::{MarshalSize, Unmarshal};

/// Transport-wide congestion control for video (packets numbered on the way out, the far
/// end's arrival times reported back every 100 ms), feeding the delay-based estimate in
/// `congestion.rs`. Video only: audio's few kbit/s tell little about a queue, and
/// numbering them would only cost. Registered before NACK, so a resent packet gets a
/// number of its own, as the draft asks.
pub(crate) fn configure_twcc(
    mut registry: Registry,
    media: &mut MediaEngine,
    log: &SendLog,
) -> Result<Registry, MediaError> {
    media.register_feedback(
        RTCPFeedback {
            typ: TYPE_RTCP_FB_TRANSPORT_CC.to_owned(),
            parameter: String::new(),
        },
        RTPCodecType::Video,
    );
    media.register_header_extension(
        RTCRtpHeaderExtensionCapability {
            uri: TRANSPORT_CC_URI.to_owned(),
        },
        RTPCodecType::Video,
        None,
    )?;
    // The log sits inside the numbering: it sees each packet numbered.
    registry.add(log.interceptor());
    registry.add(Box::new(TwccSender::builder()));
    registry.add(Box::new(TwccReceiver::builder()));
    Ok(registry)
}

/// The packets one peer connection has sent, shared between the interceptor that writes
/// them down and the feedback reader that looks them up.
#[derive(Clone)]
pub(crate) struct SendLog {
    packets: Arc<Mutex<SentPackets>>,
    epoch: Instant,
}

impl SendLog {
    pub(crate) fn new() -> SendLog {
        SendLog {
            packets: Arc::default(),
            epoch: Instant::now(),
        }
    }

    /// The registry entry that fills this log.
    pub(crate) fn interceptor(&self) -> Box<dyn InterceptorBuilder + Send + Sync> {
        Box::new(self.clone())
    }

    /// Runs `f` on what was sent (µs since the log began).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&SentPackets) -> T) -> Option<T> {
        self.packets.lock().ok().map(|p| f(&p))
    }

    fn note(&self, sequence: u16, bytes: usize) {
        let at_us = i64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(i64::MAX);
        if let Ok(mut packets) = self.packets.lock() {
            packets.on_sent(sequence, at_us, bytes);
        }
    }
}

impl InterceptorBuilder for SendLog {
    fn build(
        &self,
        _id: &str,
    ) -> Result<Arc<dyn Interceptor + Send + Sync>, webrtc::interceptor::Error> {
        Ok(Arc::new(self.clone()))
    }
}

#[async_trait]
impl Interceptor for SendLog {
    async fn bind_rtcp_reader(
        &self,
        reader: Arc<dyn RTCPReader + Send + Sync>,
    ) -> Arc<dyn RTCPReader + Send + Sync> {
        reader
    }

    async fn bind_rtcp_writer(
        &self,
        writer: Arc<dyn RTCPWriter + Send + Sync>,
    ) -> Arc<dyn RTCPWriter + Send + Sync> {
        writer
    }

    async fn bind_local_stream(
        &self,
        info: &StreamInfo,
        writer: Arc<dyn RTPWriter + Send + Sync>,
    ) -> Arc<dyn RTPWriter + Send + Sync> {
        let id = info
            .rtp_header_extensions
            .iter()
            .find(|e| e.uri == TRANSPORT_CC_URI)
            .and_then(|e| u8::try_from(e.id).ok());
        match id {
            Some(extension) => Arc::new(Noting {
                next: writer,
                extension,
                log: self.clone(),
            }),
            // Not numbered (audio, or a far end that did not take TWCC): nothing to note.
            None => writer,
        }
    }

    async fn unbind_local_stream(&self, _info: &StreamInfo) {}

    async fn bind_remote_stream(
        &self,
        _info: &StreamInfo,
        reader: Arc<dyn RTPReader + Send + Sync>,
    ) -> Arc<dyn RTPReader + Send + Sync> {
        reader
    }

    async fn unbind_remote_stream(&self, _info: &StreamInfo) {}

    async fn close(&self) -> Result<(), webrtc::interceptor::Error> {
        Ok(())
    }
}

struct Noting {
    next: Arc<dyn RTPWriter + Send + Sync>,
    extension: u8,
    log: SendLog,
}

#[async_trait]
impl RTPWriter for Noting {
    async fn write(
        &self,
        packet: &webrtc::rtp::packet::Packet,
        attributes: &Attributes,
    ) -> Result<usize, webrtc::interceptor::Error> {
        let sequence = packet
            .header
            .get_extension(self.extension)
            .and_then(|mut raw| TransportCcExtension::unmarshal(&mut raw).ok());
        if let Some(tcc) = sequence {
            let bytes = packet.header.marshal_size() + packet.payload.len();
            self.log.note(tcc.transport_sequence, bytes);
        }
        self.next.write(packet, attributes).await
    }
}
