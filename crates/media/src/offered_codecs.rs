//! What a peer offers and accepts in its SDP (apart from the peer itself).

use webrtc::api::media_engine::{
    MIME_TYPE_G722, MIME_TYPE_OPUS, MIME_TYPE_PCMA, MIME_TYPE_PCMU, MIME_TYPE_VP8, MediaEngine,
};
use webrtc::rtp_transceiver::RTCPFeedback;
use webrtc::rtp_transceiver::rtp_codec::{
    RTCRtpCodecCapability, RTCRtpCodecParameters, RTPCodecType,
};

/// The codecs a peer offers and accepts: webrtc-rs's default audio codecs, and of video
/// VP8 alone, the one this peer codes and decodes (the defaults add VP9 and H.264, which a
/// browser's offer could have settled on).
pub(crate) fn register_codecs(media: &mut MediaEngine) -> Result<(), webrtc::Error> {
    let codec = |mime: &str, clock_rate, channels, fmtp: &str, feedback, payload_type| {
        RTCRtpCodecParameters {
            capability: RTCRtpCodecCapability {
                mime_type: mime.to_owned(),
                clock_rate,
                channels,
                sdp_fmtp_line: fmtp.to_owned(),
                rtcp_feedback: feedback,
            },
            payload_type,
            ..Default::default()
        }
    };
    for audio in [
        codec(
            MIME_TYPE_OPUS,
            48_000,
            2,
            "minptime=10;useinbandfec=1",
            vec![],
            111,
        ),
        codec(MIME_TYPE_G722, 8_000, 0, "", vec![], 9),
        codec(MIME_TYPE_PCMU, 8_000, 0, "", vec![], 0),
        codec(MIME_TYPE_PCMA, 8_000, 0, "", vec![], 8),
    ] {
        media.register_codec(audio, RTPCodecType::Audio)?;
    }
    let feedback = [
        ("goog-remb", ""),
        ("ccm", "fir"),
        ("nack", ""),
        ("nack", "pli"),
    ]
    .map(|(typ, parameter)| RTCPFeedback {
        typ: typ.to_owned(),
        parameter: parameter.to_owned(),
    })
    .to_vec();
    media.register_codec(
        codec(MIME_TYPE_VP8, 90_000, 0, "", feedback, 96),
        RTPCodecType::Video,
    )
}
