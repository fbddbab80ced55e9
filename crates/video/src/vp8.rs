//! VP8 through libvpx (Debian's libvpx, the library browsers' VP8 comes from): a real-time
//! encoder whose bitrate can follow the receiver's estimate and that makes a keyframe
//! when asked (a receiver's picture loss indication), and a decoder to I420 frames.

use crate::frame::{Frame, VideoError};
use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::os::raw::{c_int, c_uint, c_ulong};
use std::ptr;
use vpx_sys::vp8e_enc_control_id::VP8E_SET_CPUUSED;
use vpx_sys::{
    VPX_DECODER_ABI_VERSION, VPX_DL_REALTIME, VPX_EFLAG_FORCE_KF, VPX_ENCODER_ABI_VERSION,
    VPX_ERROR_RESILIENT_DEFAULT, VPX_FRAME_IS_KEY, vpx_codec_ctx_t, vpx_codec_cx_pkt_kind,
    vpx_codec_enc_cfg_t, vpx_codec_err_t, vpx_codec_iter_t, vpx_image_t, vpx_img_fmt, vpx_kf_mode,
    vpx_rc_mode,
};

/// Speed over quality, as real-time video calls set it (−6: libvpx's real-time range is
/// −16..16, faster for larger magnitudes).
const CPU_USED: c_int = -6;

/// One coded picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedFrame {
    pub data: Vec<u8>,
    /// A keyframe decodes on its own: a receiver that lost one can start again here.
    pub keyframe: bool,
}

/// How the encoder starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncoderSettings {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub bitrate_kbps: u32,
}

impl EncoderSettings {
    /// 640×480 at 30 frames a second, 600 kbps: a camera in a 1:1 call.
    pub const VGA: EncoderSettings = EncoderSettings {
        width: 640,
        height: 480,
        fps: 30,
        bitrate_kbps: 600,
    };

    /// The largest picture a call sends (the 1280×720 at 30), with a start
    /// bitrate scaled from [`EncoderSettings::VGA`]'s by the picture's area.
    pub const HD720: EncoderSettings = EncoderSettings::sized(1280, 720);

    /// `width`×`height` at 30 frames a second, starting at VGA's bitrate per pixel.
    pub const fn sized(width: u32, height: u32) -> EncoderSettings {
        let vga = EncoderSettings::VGA;
        let pixels = width as u64 * height as u64;
        let vga_pixels = vga.width as u64 * vga.height as u64;
        EncoderSettings {
            width,
            height,
            bitrate_kbps: (vga.bitrate_kbps as u64 * pixels / vga_pixels) as u32,
            ..vga
        }
    }
}

/// What libvpx says went wrong, in words.
fn failure(
    what: &'static str,
    code: vpx_codec_err_t,
    ctx: Option<&mut vpx_codec_ctx_t>,
) -> VideoError {
    // SAFETY: libvpx returns static, NUL-terminated strings for both.
    let message = unsafe { CStr::from_ptr(vpx_sys::vpx_codec_err_to_string(code)) };
    let detail = ctx
        .map(|ctx| unsafe { vpx_sys::vpx_codec_error_detail(ctx) })
        .filter(|d| !d.is_null())
        .map(|d| unsafe { CStr::from_ptr(d) }.to_string_lossy().into_owned());
    VideoError::Codec {
        what,
        detail: match detail {
            Some(d) => format!("{} ({d})", message.to_string_lossy()),
            None => message.to_string_lossy().into_owned(),
        },
    }
}

fn check(
    what: &'static str,
    code: vpx_codec_err_t,
    ctx: &mut vpx_codec_ctx_t,
) -> Result<(), VideoError> {
    match code {
        vpx_codec_err_t::VPX_CODEC_OK => Ok(()),
        _ => Err(failure(what, code, Some(ctx))),
    }
}

/// A VP8 encoder for one size of picture.
pub struct Vp8Encoder {
    ctx: vpx_codec_ctx_t,
    cfg: vpx_codec_enc_cfg_t,
    settings: EncoderSettings,
    pts: i64,
}

// SAFETY: the codec context is only used through `&mut self`; libvpx keeps no
// thread-local state for it.
unsafe impl Send for Vp8Encoder {}

impl Vp8Encoder {
    pub fn new(settings: EncoderSettings) -> Result<Vp8Encoder, VideoError> {
        Frame::black(settings.width, settings.height)?; // the size is one a frame can have
        // SAFETY: the interface is a static of libvpx; the config is written whole by
        // `vpx_codec_enc_config_default` before it is read.
        let iface = unsafe { vpx_sys::vpx_codec_vp8_cx() };
        let mut cfg: vpx_codec_enc_cfg_t = unsafe { MaybeUninit::zeroed().assume_init() };
        let code = unsafe { vpx_sys::vpx_codec_enc_config_default(iface, &mut cfg, 0) };
        if code != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(failure("set up an encoder", code, None));
        }
        cfg.g_w = settings.width;
        cfg.g_h = settings.height;
        cfg.g_timebase.num = 1;
        cfg.g_timebase.den = settings.fps.max(1) as c_int;
        cfg.rc_target_bitrate = settings.bitrate_kbps;
        // Real time: no frames held back to look ahead, a constant bitrate the network
        // can carry, partitions that survive a lost packet. One thread up to 640×480, as
        // WebRTC does: libvpx's worker threads spin while they wait, and two encoders'
        // spinning on two busy cores made a 1 ms picture take 110 ms.
        cfg.g_lag_in_frames = 0;
        cfg.rc_end_usage = vpx_rc_mode::VPX_CBR;
        cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
        cfg.g_threads = if settings.width * settings.height > 640 * 480 {
            2
        } else {
            1
        };
        // Rate control as WebRTC's own VP8 wrapper sets it: when even the coarsest
        // quantiser overshoots (a busy picture on a thin link), frames are dropped rather
        // than the link flooded.
        cfg.rc_dropframe_thresh = 30;
        cfg.rc_min_quantizer = 2;
        cfg.rc_max_quantizer = 56;
        cfg.rc_undershoot_pct = 100;
        cfg.rc_overshoot_pct = 15;
        cfg.rc_buf_initial_sz = 500;
        cfg.rc_buf_optimal_sz = 600;
        cfg.rc_buf_sz = 1000;
        // Keyframes when a receiver asks for one, and otherwise every 10 s at most.
        cfg.kf_mode = vpx_kf_mode::VPX_KF_AUTO;
        cfg.kf_max_dist = 10 * settings.fps.max(1);
        let mut ctx: vpx_codec_ctx_t = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: ctx and cfg outlive the call; the ABI version is the headers'.
        let code = unsafe {
            vpx_sys::vpx_codec_enc_init_ver(
                &mut ctx,
                iface,
                &cfg,
                0,
                VPX_ENCODER_ABI_VERSION as c_int,
            )
        };
        if code != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(failure("start an encoder", code, None));
        }
        let mut encoder = Vp8Encoder {
            ctx,
            cfg,
            settings,
            pts: 0,
        };
        // SAFETY: a control libvpx's VP8 encoder takes, with the int it expects.
        let code = unsafe {
            vpx_sys::vpx_codec_control_(&mut encoder.ctx, VP8E_SET_CPUUSED as c_int, CPU_USED)
        };
        check("set its speed", code, &mut encoder.ctx)?;
        Ok(encoder)
    }

    pub fn settings(&self) -> EncoderSettings {
        self.settings
    }

    /// Follows the receiver's estimate of what the network carries.
    pub fn set_bitrate(&mut self, kbps: u32) -> Result<(), VideoError> {
        self.cfg.rc_target_bitrate = kbps.max(1);
        // SAFETY: the context is live; the config is the one it was started with.
        let code = unsafe { vpx_sys::vpx_codec_enc_config_set(&mut self.ctx, &self.cfg) };
        check("change its bitrate", code, &mut self.ctx)?;
        self.settings.bitrate_kbps = kbps.max(1);
        Ok(())
    }

    /// Codes one picture (a keyframe when `keyframe`); the encoder may drop a picture to
    /// keep its bitrate, so this returns none, one or (rarely) more coded frames.
    pub fn encode(
        &mut self,
        frame: &Frame,
        keyframe: bool,
    ) -> Result<Vec<EncodedFrame>, VideoError> {
        if (frame.width(), frame.height()) != (self.settings.width, self.settings.height) {
            return Err(VideoError::Codec {
                what: "encode a picture",
                detail: format!(
                    "it is {}×{}; the encoder was started for {}×{}",
                    frame.width(),
                    frame.height(),
                    self.settings.width,
                    self.settings.height
                ),
            });
        }
        let mut image: vpx_image_t = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: the image only borrows the frame's bytes for the encode call below,
        // which reads them and does not keep the pointer; I420 of this size is exactly
        // what the frame holds.
        let wrapped = unsafe {
            vpx_sys::vpx_img_wrap(
                &mut image,
                vpx_img_fmt::VPX_IMG_FMT_I420,
                frame.width() as c_uint,
                frame.height() as c_uint,
                1,
                frame.i420().as_ptr() as *mut u8,
            )
        };
        if wrapped.is_null() {
            return Err(VideoError::Codec {
                what: "encode a picture",
                detail: "libvpx would not wrap the picture".into(),
            });
        }
        let flags = if keyframe {
            VPX_EFLAG_FORCE_KF as std::os::raw::c_long
        } else {
            0
        };
        // SAFETY: the context and the image are live for the call.
        let code = unsafe {
            vpx_sys::vpx_codec_encode(
                &mut self.ctx,
                &image,
                self.pts,
                1,
                flags,
                VPX_DL_REALTIME as c_ulong,
            )
        };
        check("encode a picture", code, &mut self.ctx)?;
        self.pts += 1;
        let mut out = Vec::new();
        let mut iter: vpx_codec_iter_t = ptr::null();
        loop {
            // SAFETY: packets stay valid until the next encode call; each is copied out.
            let packet = unsafe { vpx_sys::vpx_codec_get_cx_data(&mut self.ctx, &mut iter) };
            let Some(packet) = (unsafe { packet.as_ref() }) else {
                break;
            };
            if packet.kind != vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                continue;
            }
            // SAFETY: a frame packet's union holds `frame`.
            let coded = unsafe { packet.data.frame };
            let data = unsafe { std::slice::from_raw_parts(coded.buf as *const u8, coded.sz) };
            out.push(EncodedFrame {
                data: data.to_vec(),
                keyframe: coded.flags & VPX_FRAME_IS_KEY != 0,
            });
        }
        Ok(out)
    }
}

impl Drop for Vp8Encoder {
    fn drop(&mut self) {
        // SAFETY: started in `new`, destroyed once.
        unsafe { vpx_sys::vpx_codec_destroy(&mut self.ctx) };
    }
}

/// A VP8 decoder: any picture size, as the stream says.
pub struct Vp8Decoder {
    ctx: vpx_codec_ctx_t,
}

// SAFETY: as for the encoder.
unsafe impl Send for Vp8Decoder {}

impl Vp8Decoder {
    pub fn new() -> Result<Vp8Decoder, VideoError> {
        let mut ctx: vpx_codec_ctx_t = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: no config (libvpx's defaults); the ABI version is the headers'.
        let code = unsafe {
            vpx_sys::vpx_codec_dec_init_ver(
                &mut ctx,
                vpx_sys::vpx_codec_vp8_dx(),
                ptr::null(),
                0,
                VPX_DECODER_ABI_VERSION as c_int,
            )
        };
        if code != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(failure("start a decoder", code, None));
        }
        Ok(Vp8Decoder { ctx })
    }

    /// Decodes one coded frame; `None` when it yields no picture (a frame the decoder
    /// could not use). A corrupt frame is an error; the next keyframe recovers.
    pub fn decode(&mut self, data: &[u8]) -> Result<Option<Frame>, VideoError> {
        let len = c_uint::try_from(data.len()).map_err(|_| VideoError::Codec {
            what: "decode a frame",
            detail: format!("{} bytes is too large a frame", data.len()),
        })?;
        // SAFETY: libvpx reads `len` bytes from `data` during the call.
        let code = unsafe {
            vpx_sys::vpx_codec_decode(&mut self.ctx, data.as_ptr(), len, ptr::null_mut(), 0)
        };
        check("decode a frame", code, &mut self.ctx)?;
        let mut iter: vpx_codec_iter_t = ptr::null();
        let mut last = None;
        loop {
            // SAFETY: images stay valid until the next decode call; each is copied out.
            let image = unsafe { vpx_sys::vpx_codec_get_frame(&mut self.ctx, &mut iter) };
            let Some(image) = (unsafe { image.as_ref() }) else {
                break;
            };
            last = Some(copy_i420(image)?);
        }
        Ok(last)
    }
}

impl Drop for Vp8Decoder {
    fn drop(&mut self) {
        // SAFETY: started in `new`, destroyed once.
        unsafe { vpx_sys::vpx_codec_destroy(&mut self.ctx) };
    }
}

/// A decoded image's three planes, row by row past their strides, as one I420 frame.
fn copy_i420(image: &vpx_image_t) -> Result<Frame, VideoError> {
    if image.fmt != vpx_img_fmt::VPX_IMG_FMT_I420 {
        return Err(VideoError::Codec {
            what: "decode a frame",
            detail: format!("it decoded to {:?}, not I420", image.fmt),
        });
    }
    let (width, height) = (image.d_w, image.d_h);
    let mut frame = Frame::black(width, height)?;
    {
        let (y, u, v) = frame.planes_mut();
        for (plane, out, w, h) in [
            (0, y, width as usize, height as usize),
            (1, u, width as usize / 2, height as usize / 2),
            (2, v, width as usize / 2, height as usize / 2),
        ] {
            let stride = image.stride[plane] as usize;
            for row in 0..h {
                // SAFETY: libvpx's plane holds `h` rows of `stride` ≥ `w` bytes.
                let src =
                    unsafe { std::slice::from_raw_parts(image.planes[plane].add(row * stride), w) };
                out[row * w..(row + 1) * w].copy_from_slice(src);
            }
        }
    }
    Ok(frame)
}
