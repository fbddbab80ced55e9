//! Pictures between the layouts capture and display use and the I420 that VP8 codes:
//! a screen's 32-bit BGRX scaled to fit the encoder and converted (BT.601, video range,
//! as WebRTC sends), and a decoded picture back to RGBA, or to a JPEG for a webview. The
//! colour maths, scaling and JPEG coding are `yuv`, `fast_image_resize` and
//! `jpeg-encoder` (SIMD, all well kept), not ours.

use crate::frame::{Frame, VideoError};
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use yuv::{
    BufferStoreMut, YuvConversionMode, YuvPlanarImage, YuvPlanarImageMut, YuvRange,
    YuvStandardMatrix,
};

/// The largest even size within `max_width`×`max_height` that keeps `width`×`height`'s
/// shape (a 1920×1080 screen fits 1280×720 as 1280×720, a 1280×1024 one as 900×720).
/// Never larger than the picture itself; at least 2×2.
pub fn fit_within(width: u32, height: u32, max_width: u32, max_height: u32) -> (u32, u32) {
    let (w, h) = (u64::from(width.max(1)), u64::from(height.max(1)));
    let scale_num_den = if w * u64::from(max_height) > h * u64::from(max_width) {
        (u64::from(max_width), w) // width-bound
    } else {
        (u64::from(max_height), h)
    };
    let (num, den) = if scale_num_den.0 >= scale_num_den.1 {
        (1, 1) // already fits: never enlarge
    } else {
        scale_num_den
    };
    let even = |v: u64| ((v * num / den) as u32 & !1).max(2);
    (even(w), even(h))
}

/// Turns 32-bit BGRX pictures (X11's and most capture APIs' layout) of any size into
/// I420 frames of one fixed size, keeping its scratch buffers between pictures.
pub struct BgrxToI420 {
    width: u32,
    height: u32,
    resizer: Resizer,
    scaled: Vec<u8>,
}

impl BgrxToI420 {
    /// Converts to `width`×`height` pictures (even sizes).
    pub fn new(width: u32, height: u32) -> Result<BgrxToI420, VideoError> {
        Frame::black(width, height)?;
        Ok(BgrxToI420 {
            width,
            height,
            resizer: Resizer::new(),
            scaled: Vec::new(),
        })
    }

    /// One picture: `bgrx` holds `height` rows of `stride` bytes, each `width` pixels of
    /// four bytes. Scaled (bilinear) when its size differs from the output's.
    pub fn convert(
        &mut self,
        bgrx: &[u8],
        width: u32,
        height: u32,
        stride: usize,
    ) -> Result<Frame, VideoError> {
        let needed = stride * height.saturating_sub(1) as usize + 4 * width as usize;
        if width == 0 || height == 0 || stride < 4 * width as usize || bgrx.len() < needed {
            return Err(VideoError::BadPicture(format!(
                "{} bytes are not a {width}×{height} BGRX picture with rows of {stride} bytes",
                bgrx.len()
            )));
        }
        let (rows, row_bytes) = if (width, height) == (self.width, self.height) {
            (bgrx, stride)
        } else {
            // The scaler wants packed rows; X11 pads rows only to 32 bits, so a 4-byte
            // pixel's rows are packed already unless the source says otherwise.
            let packed;
            let source = if stride == 4 * width as usize {
                &bgrx[..4 * width as usize * height as usize]
            } else {
                packed = bgrx
                    .chunks(stride)
                    .take(height as usize)
                    .flat_map(|row| &row[..4 * width as usize])
                    .copied()
                    .collect::<Vec<u8>>();
                &packed[..]
            };
            let src = ImageRef::new(width, height, source, PixelType::U8x4)
                .map_err(|e| VideoError::BadPicture(e.to_string()))?;
            self.scaled
                .resize(4 * self.width as usize * self.height as usize, 0);
            let mut dst =
                Image::from_slice_u8(self.width, self.height, &mut self.scaled, PixelType::U8x4)
                    .map_err(|e| VideoError::BadPicture(e.to_string()))?;
            // The fourth byte is padding, not alpha: scaling must not weigh by it.
            let options = ResizeOptions::new()
                .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
                .use_alpha(false);
            self.resizer
                .resize(&src, &mut dst, &options)
                .map_err(|e| VideoError::BadPicture(e.to_string()))?;
            (&self.scaled[..], 4 * self.width as usize)
        };
        let mut frame = Frame::black(self.width, self.height)?;
        let (w, h) = (self.width, self.height);
        let (y, u, v) = frame.planes_mut();
        let mut planes = YuvPlanarImageMut {
            y_plane: BufferStoreMut::Borrowed(y),
            y_stride: w,
            u_plane: BufferStoreMut::Borrowed(u),
            u_stride: w / 2,
            v_plane: BufferStoreMut::Borrowed(v),
            v_stride: w / 2,
            width: w,
            height: h,
        };
        yuv::bgra_to_yuv420(
            &mut planes,
            rows,
            row_bytes as u32,
            YuvRange::Limited,
            YuvStandardMatrix::Bt601,
            YuvConversionMode::Balanced,
        )
        .map_err(|e| VideoError::BadPicture(e.to_string()))?;
        Ok(frame)
    }
}

/// `frame` scaled (bilinear, each plane on its own) to `width`×`height` (even sizes),
/// cropped about its centre if its shape differs, never stretched: for a source whose
/// pictures stop matching the size its stream was set up with, such as a camera that
/// comes back from a hold at another size. The frame itself if the size is right.
pub fn scale_i420(frame: Frame, width: u32, height: u32) -> Result<Frame, VideoError> {
    let (from_w, from_h) = (frame.width(), frame.height());
    if (from_w, from_h) == (width, height) {
        return Ok(frame);
    }
    let mut scaled = Frame::black(width, height)?;
    let luma = from_w as usize * from_h as usize;
    let (y, uv) = frame.i420().split_at(luma);
    let (u, v) = uv.split_at(luma / 4);
    let (to_y, to_u, to_v) = scaled.planes_mut();
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
        .fit_into_destination(Some((0.5, 0.5)));
    for (from, to, divisor) in [(y, to_y, 1), (u, to_u, 2), (v, to_v, 2)] {
        let src = ImageRef::new(from_w / divisor, from_h / divisor, from, PixelType::U8)
            .map_err(|e| VideoError::BadPicture(e.to_string()))?;
        let mut dst = Image::from_slice_u8(width / divisor, height / divisor, to, PixelType::U8)
            .map_err(|e| VideoError::BadPicture(e.to_string()))?;
        resizer
            .resize(&src, &mut dst, &options)
            .map_err(|e| VideoError::BadPicture(e.to_string()))?;
    }
    Ok(scaled)
}

/// A picture as RGBA bytes (opaque), row after row: what a canvas's `ImageData` takes.
pub fn to_rgba(frame: &Frame) -> Result<Vec<u8>, VideoError> {
    let (w, h) = (frame.width(), frame.height());
    let luma = w as usize * h as usize;
    let (y, uv) = frame.i420().split_at(luma);
    let (u, v) = uv.split_at(luma / 4);
    let planes = YuvPlanarImage {
        y_plane: y,
        y_stride: w,
        u_plane: u,
        u_stride: w / 2,
        v_plane: v,
        v_stride: w / 2,
        width: w,
        height: h,
    };
    let mut rgba = vec![0u8; 4 * luma];
    yuv::yuv420_to_rgba(
        &planes,
        &mut rgba,
        4 * w,
        YuvRange::Limited,
        YuvStandardMatrix::Bt601,
    )
    .map_err(|e| VideoError::BadPicture(e.to_string()))?;
    Ok(rgba)
}

/// A picture as a JPEG (baseline, 4:2:0, `quality` 1-100): a twentieth of its RGBA bytes,
/// which is what a webview's IPC can carry thirty times a second. The I420 planes go to
/// the encoder as they are, stretched from video range to JPEG's full range.
pub fn to_jpeg(frame: &Frame, quality: u8) -> Result<Vec<u8>, VideoError> {
    let too_big = || {
        VideoError::BadPicture(format!(
            "{}×{} is too big for a JPEG",
            frame.width(),
            frame.height()
        ))
    };
    let width = u16::try_from(frame.width()).map_err(|_| too_big())?;
    let height = u16::try_from(frame.height()).map_err(|_| too_big())?;
    let mut out = Vec::with_capacity(frame.i420().len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode_image(I420Jpeg::new(frame, width, height))
        .map_err(|e| VideoError::BadPicture(format!("cannot make a JPEG: {e}")))?;
    Ok(out)
}

/// An I420 frame as `jpeg-encoder` reads pictures: a row of Y, Cb and Cr at a time.
struct I420Jpeg<'a> {
    frame: &'a Frame,
    width: u16,
    height: u16,
    /// Video range (16-235 luma, 16-240 chroma) to full range, per value.
    luma: [u8; 256],
    chroma: [u8; 256],
}

impl<'a> I420Jpeg<'a> {
    fn new(frame: &'a Frame, width: u16, height: u16) -> I420Jpeg<'a> {
        let stretch = |v: usize, low: f32, span: f32, centre: f32| {
            ((v as f32 - low) * 255.0 / span + centre)
                .round()
                .clamp(0.0, 255.0) as u8
        };
        I420Jpeg {
            frame,
            width,
            height,
            luma: std::array::from_fn(|v| stretch(v, 16.0, 219.0, 0.0)),
            chroma: std::array::from_fn(|v| stretch(v, 128.0, 224.0, 128.0)),
        }
    }
}

impl jpeg_encoder::ImageBuffer for I420Jpeg<'_> {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        jpeg_encoder::JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width
    }

    fn height(&self) -> u16 {
        self.height
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let (w, h) = (usize::from(self.width), usize::from(self.height));
        let (y, half) = (usize::from(y), w / 2);
        let data = self.frame.i420();
        let luma = &data[y * w..][..w];
        let (u, v) = data[w * h..].split_at(half * (h / 2));
        let (u, v) = (&u[(y / 2) * half..][..half], &v[(y / 2) * half..][..half]);
        for x in 0..w {
            buffers[0].push(self.luma[usize::from(luma[x])]);
            buffers[1].push(self.chroma[usize::from(u[x / 2])]);
            buffers[2].push(self.chroma[usize::from(v[x / 2])]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{TestPattern, read_stamp};

    #[test]
    fn sizes_fit_keeping_their_shape_and_even() {
        assert_eq!(fit_within(1920, 1080, 1280, 720), (1280, 720));
        assert_eq!(fit_within(1280, 1024, 1280, 720), (900, 720));
        assert_eq!(fit_within(3840, 1080, 1280, 720), (1280, 360));
        assert_eq!(fit_within(1024, 768, 1280, 720), (960, 720));
        assert_eq!(
            fit_within(801, 601, 1280, 720),
            (800, 600),
            "never enlarged; even"
        );
        assert_eq!(fit_within(1, 1, 1280, 720), (2, 2));
    }

    /// The pattern through RGBA and back (as it goes from a screen to the encoder) keeps
    /// its colours close and its numbers readable, at its own size and scaled.
    #[test]
    fn a_picture_survives_rgba_and_back_at_its_size_and_scaled() {
        let mut pattern = TestPattern::new(640, 480).expect("a size");
        let frame = pattern.next_frame(4242);
        let rgba = to_rgba(&frame).expect("to rgba");
        // RGBA to BGRX: swap red and blue.
        let bgrx: Vec<u8> = rgba.chunks(4).flat_map(|p| [p[2], p[1], p[0], 0]).collect();
        let mut same = BgrxToI420::new(640, 480).expect("a size");
        let back = same.convert(&bgrx, 640, 480, 640 * 4).expect("convert");
        let worst = frame
            .i420()
            .iter()
            .zip(back.i420())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap_or(255);
        assert!(worst <= 3, "off by {worst}");
        assert_eq!(read_stamp(&back).map(|s| s.stamp), Some(4242));
        // A bigger screen scaled down to the picture's size still reads.
        let big: Vec<u8> = (0..960)
            .flat_map(|row| {
                let src = &bgrx[(row * 480 / 960) * 640 * 4..][..640 * 4];
                (0..1280).flat_map(move |col| {
                    let p = &src[(col * 640 / 1280) * 4..][..4];
                    [p[0], p[1], p[2], p[3]]
                })
            })
            .collect();
        let scaled = same.convert(&big, 1280, 960, 1280 * 4).expect("scaled");
        assert_eq!(read_stamp(&scaled).map(|s| s.stamp), Some(4242));
    }

    #[test]
    fn a_picture_scaled_to_another_size_keeps_what_it_shows() {
        // Left half dark, right half light, with a coloured right half: scaled down and
        // up, each plane keeps its halves (bilinear blurs only the seam).
        let (w, h) = (64u32, 48u32);
        let mut frame = Frame::black(w, h).unwrap();
        {
            let (y, u, _v) = frame.planes_mut();
            for row in 0..h as usize {
                for col in (w / 2) as usize..w as usize {
                    y[row * w as usize + col] = 200;
                }
            }
            for row in 0..(h / 2) as usize {
                for col in (w / 4) as usize..(w / 2) as usize {
                    u[row * (w / 2) as usize + col] = 60;
                }
            }
        }
        for (to_w, to_h) in [(32, 24), (128, 96), (64, 48)] {
            let scaled = scale_i420(frame.clone(), to_w, to_h).unwrap();
            assert_eq!((scaled.width(), scaled.height()), (to_w, to_h));
            let luma = scaled.luma();
            let at = |x: u32, y: u32| luma[(y * to_w + x) as usize];
            assert_eq!(at(1, to_h / 2), 16, "{to_w}×{to_h}: the left stays dark");
            assert_eq!(
                at(to_w - 2, to_h / 2),
                200,
                "{to_w}×{to_h}: the right stays light"
            );
            let chroma_w = (to_w / 2) as usize;
            let u = &scaled.i420()[(to_w * to_h) as usize..][..chroma_w * (to_h / 2) as usize];
            assert_eq!(
                u[chroma_w * 2 + 1],
                128,
                "{to_w}×{to_h}: no colour on the left"
            );
            assert_eq!(
                u[chroma_w * 2 + chroma_w - 2],
                60,
                "{to_w}×{to_h}: colour on the right"
            );
        }
        // Another shape is cropped about the centre, not stretched: a 4:3 picture in a
        // 16:9 stream keeps the middle rows, and the seam stays in the middle.
        let wide = scale_i420(frame.clone(), 64, 36).unwrap();
        let luma = wide.luma();
        assert_eq!(
            (luma[18 * 64 + 30], luma[18 * 64 + 34]),
            (16, 200),
            "the seam stays at the middle"
        );
        assert!(scale_i420(frame, 33, 24).is_err(), "odd sizes are refused");
    }

    /// The pattern as a JPEG is small and, decoded again, still reads.
    #[test]
    fn a_jpeg_of_the_pattern_is_small_and_reads_back() {
        let frame = TestPattern::new(640, 480)
            .expect("a size")
            .next_frame(31337);
        let jpeg = to_jpeg(&frame, 80).expect("a jpeg");
        assert_eq!(&jpeg[..2], &[0xff, 0xd8], "a JPEG's start");
        assert!(jpeg.len() < frame.i420().len() / 5, "{} bytes", jpeg.len());
        let mut decoder = jpeg_decoder::Decoder::new(&jpeg[..]);
        let rgb = decoder.decode().expect("decodes");
        let info = decoder.info().expect("info");
        assert_eq!((info.width, info.height), (640, 480));
        let bgrx: Vec<u8> = rgb.chunks(3).flat_map(|p| [p[2], p[1], p[0], 0]).collect();
        let back = BgrxToI420::new(640, 480)
            .expect("a size")
            .convert(&bgrx, 640, 480, 640 * 4)
            .expect("convert");
        assert_eq!(read_stamp(&back).map(|s| s.stamp), Some(31337));
        // The bars' colours survive: the first bar is white (luma 235 in video range).
        let white = rgb[3 * (640 * 300 + 20)..][..3].to_vec();
        assert!(white.iter().all(|&c| c > 235), "{white:?}");
    }

    #[test]
    fn short_or_mis_sized_pictures_are_refused_in_words() {
        let mut c = BgrxToI420::new(64, 32).expect("a size");
        let e = c.convert(&[0; 10], 64, 32, 256).unwrap_err();
        assert!(e.to_string().contains("not a 64×32 BGRX picture"), "{e}");
        let e = c.convert(&[0; 8192], 64, 32, 100).unwrap_err();
        assert!(e.to_string().contains("rows of 100 bytes"), "{e}");
    }
}
