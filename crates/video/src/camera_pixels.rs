//! The pictures cameras deliver, turned into I420: YUYV (packed 4:2:2, which every USB
//! webcam offers uncompressed) and Motion-JPEG (which most offer at the larger sizes and
//! higher rates USB 2 cannot carry raw). Every length is checked before the SIMD
//! converters, which panic on a short buffer: a camera hands over a truncated picture
//! now and then (unplugged mid-frame, a USB hiccup).

use crate::frame::{Frame, VideoError};
use yuv::{
    BufferStoreMut, YuvConversionMode, YuvPackedImage, YuvPlanarImageMut, YuvRange,
    YuvStandardMatrix,
};

/// One YUYV picture: `height` rows of `stride` bytes, two bytes a pixel.
pub fn yuyv_to_i420(
    data: &[u8],
    width: u32,
    height: u32,
    stride: usize,
) -> Result<Frame, VideoError> {
    let row = 2 * width as usize;
    // V4L2's buffers hold `stride` bytes for every row, the last included.
    let needed = stride * height as usize;
    if width == 0 || height == 0 || stride < row || data.len() < needed {
        return Err(VideoError::BadPicture(format!(
            "{} bytes are not a {width}×{height} YUYV picture with rows of {stride} bytes",
            data.len()
        )));
    }
    let mut frame = Frame::black(width, height)?;
    let (y, u, v) = frame.planes_mut();
    let mut planes = planes(y, u, v, width, height);
    let packed = YuvPackedImage {
        yuy: &data[..needed],
        yuy_stride: u32::try_from(stride).map_err(|_| bad_stride(stride))?,
        width,
        height,
    };
    yuv::yuyv422_to_yuv420(&mut planes, &packed)
        .map_err(|e| VideoError::BadPicture(e.to_string()))?;
    Ok(frame)
}

/// The most pixels a camera's JPEG picture is decoded with (4096×2160).
const LARGEST_JPEG_PIXELS: usize = 4096 * 2160;

/// One Motion-JPEG picture. Webcams leave the Huffman tables out of each picture (the
/// MJPEG convention); the decoder fills in the standard ones.
pub fn jpeg_to_i420(data: &[u8]) -> Result<Frame, VideoError> {
    let mut decoder = jpeg_decoder::Decoder::new(data);
    let bad =
        |e: jpeg_decoder::Error| VideoError::BadPicture(format!("a camera's JPEG picture: {e}"));
    // The header first: a damaged one can claim any size, and the decoder checks its
    // limit only after decoding the whole picture at that size.
    decoder.read_info().map_err(bad)?;
    let info = decoder
        .info()
        .ok_or_else(|| VideoError::BadPicture("a camera's JPEG picture has no header".into()))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if usize::from(info.width) * usize::from(info.height) > LARGEST_JPEG_PIXELS {
        return Err(VideoError::BadPicture(format!(
            "a camera's JPEG picture claims {width}×{height}, more than a camera sends"
        )));
    }
    let pixels = decoder.decode().map_err(bad)?;
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        // A grey camera (some infrared ones): grey is equal R, G and B.
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        other => {
            return Err(VideoError::BadPicture(format!(
                "a camera's JPEG picture in {other:?}, not colour or grey"
            )));
        }
    };
    if rgb.len() < 3 * width as usize * height as usize {
        return Err(VideoError::BadPicture(format!(
            "a camera's {width}×{height} JPEG decoded to {} bytes",
            rgb.len()
        )));
    }
    let mut frame = Frame::black(width, height)?;
    let (y, u, v) = frame.planes_mut();
    let mut planes = planes(y, u, v, width, height);
    yuv::rgb_to_yuv420(
        &mut planes,
        &rgb,
        3 * width,
        YuvRange::Limited,
        YuvStandardMatrix::Bt601,
        YuvConversionMode::Balanced,
    )
    .map_err(|e| VideoError::BadPicture(e.to_string()))?;
    Ok(frame)
}

fn planes<'a>(
    y: &'a mut [u8],
    u: &'a mut [u8],
    v: &'a mut [u8],
    width: u32,
    height: u32,
) -> YuvPlanarImageMut<'a, u8> {
    YuvPlanarImageMut {
        y_plane: BufferStoreMut::Borrowed(y),
        y_stride: width,
        u_plane: BufferStoreMut::Borrowed(u),
        u_stride: width / 2,
        v_plane: BufferStoreMut::Borrowed(v),
        v_stride: width / 2,
        width,
        height,
    }
}

fn bad_stride(stride: usize) -> VideoError {
    VideoError::BadPicture(format!("a row of {stride} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::to_jpeg;
    use crate::pattern::TestPattern;

    /// A YUYV picture of one colour (Y, U, V) with `pad` spare bytes at each row's end.
    fn yuyv(width: u32, height: u32, pad: usize, (y, u, v): (u8, u8, u8)) -> Vec<u8> {
        let mut data = Vec::new();
        for _ in 0..height {
            for _ in 0..width / 2 {
                data.extend([y, u, y, v]);
            }
            data.extend(std::iter::repeat_n(0, pad));
        }
        data
    }

    #[test]
    fn yuyv_keeps_luma_and_chroma_and_honours_the_row_stride() {
        let (w, h) = (64, 48);
        let data = yuyv(w, h, 16, (200, 90, 160));
        let frame = yuyv_to_i420(&data, w, h, 2 * w as usize + 16).expect("converts");
        assert_eq!((frame.width(), frame.height()), (w, h));
        let i420 = frame.i420();
        let (luma, chroma) = i420.split_at((w * h) as usize);
        assert!(luma.iter().all(|&y| y == 200), "luma kept");
        let (u, v) = chroma.split_at(chroma.len() / 2);
        assert!(
            u.iter().all(|&c| c == 90) && v.iter().all(|&c| c == 160),
            "chroma kept"
        );
    }

    #[test]
    fn a_truncated_or_oddly_sized_yuyv_picture_is_an_error_not_a_panic() {
        let data = yuyv(64, 48, 0, (16, 128, 128));
        let short = &data[..data.len() - 1];
        let e = yuyv_to_i420(short, 64, 48, 128).expect_err("short");
        assert!(e.to_string().contains("not a 64×48 YUYV picture"), "{e}");
        assert!(
            yuyv_to_i420(&data, 64, 48, 100).is_err(),
            "rows shorter than a row"
        );
        assert!(yuyv_to_i420(&data, 63, 48, 128).is_err(), "odd width");
        assert!(yuyv_to_i420(&[], 0, 0, 0).is_err());
    }

    #[test]
    fn a_jpeg_picture_decodes_to_the_picture_it_was() {
        let mut pattern = TestPattern::new(320, 240).expect("a pattern");
        let original = pattern.next_frame(1234);
        let jpeg = to_jpeg(&original, 90).expect("a JPEG");
        let back = jpeg_to_i420(&jpeg).expect("decodes");
        assert_eq!((back.width(), back.height()), (320, 240));
        let mean_error = original
            .luma()
            .iter()
            .zip(back.luma())
            .map(|(a, b)| f64::from(a.abs_diff(*b)))
            .sum::<f64>()
            / original.luma().len() as f64;
        assert!(mean_error < 4.0, "luma off by {mean_error:.2} on average");
        assert_eq!(
            crate::pattern::read_stamp(&back).map(|s| s.number),
            crate::pattern::read_stamp(&original).map(|s| s.number),
            "the frame counter survives"
        );
    }

    #[test]
    fn a_broken_jpeg_is_an_error() {
        let e = jpeg_to_i420(&[0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]).expect_err("broken");
        assert!(e.to_string().contains("JPEG"), "{e}");
    }

    #[test]
    fn a_jpeg_claiming_a_huge_size_is_refused_before_it_is_decoded() {
        let mut pattern = TestPattern::new(320, 240).expect("a pattern");
        let mut jpeg = to_jpeg(&pattern.next_frame(1), 80).expect("a JPEG");
        // The frame header (SOF0: FF C0, length, precision, height, width): claim 60000².
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("a SOF0");
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        let e = jpeg_to_i420(&jpeg).expect_err("refused");
        assert!(e.to_string().contains("JPEG"), "{e}");
    }
}
