//! A picture in I420: the luma plane at full size, then the two chroma planes at half
//! the width and half the height, the layout VP8 codes and decodes.

/// Why a picture cannot be made or coded.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("a video frame must have an even width and height of at least 2, not {width}×{height}")]
    BadSize { width: u32, height: u32 },
    #[error("{data} bytes are not a {width}×{height} I420 frame ({expected} bytes)")]
    BadData {
        width: u32,
        height: u32,
        data: usize,
        expected: usize,
    },
    #[error("the VP8 codec failed to {what}: {detail}")]
    Codec { what: &'static str, detail: String },
    /// A captured picture that cannot be converted (its size or layout is wrong).
    #[error("{0}")]
    BadPicture(String),
    /// The camera or screen could not give a picture.
    #[error("{0}")]
    Capture(String),
}

/// One I420 picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl Frame {
    /// A black picture.
    pub fn black(width: u32, height: u32) -> Result<Frame, VideoError> {
        let luma = luma_size(width, height)?;
        let mut data = vec![128; luma + 2 * chroma_size(width, height)];
        data[..luma].fill(16);
        Ok(Frame {
            width,
            height,
            data,
        })
    }

    /// A picture from its I420 bytes.
    pub fn from_i420(width: u32, height: u32, data: Vec<u8>) -> Result<Frame, VideoError> {
        let expected = luma_size(width, height)? + 2 * chroma_size(width, height);
        if data.len() != expected {
            return Err(VideoError::BadData {
                width,
                height,
                data: data.len(),
                expected,
            });
        }
        Ok(Frame {
            width,
            height,
            data,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// All three planes, one after another.
    pub fn i420(&self) -> &[u8] {
        &self.data
    }

    /// The luma plane, `width` bytes a row.
    pub fn luma(&self) -> &[u8] {
        &self.data[..self.width as usize * self.height as usize]
    }

    /// The luma plane and the two chroma planes (each `width / 2` bytes a row).
    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let luma = self.width as usize * self.height as usize;
        let chroma = luma / 4;
        let (y, uv) = self.data.split_at_mut(luma);
        let (u, v) = uv.split_at_mut(chroma);
        (y, u, v)
    }
}

fn luma_size(width: u32, height: u32) -> Result<usize, VideoError> {
    if width < 2 || height < 2 || width % 2 == 1 || height % 2 == 1 {
        return Err(VideoError::BadSize { width, height });
    }
    Ok(width as usize * height as usize)
}

fn chroma_size(width: u32, height: u32) -> usize {
    (width as usize / 2) * (height as usize / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_or_empty_sizes_are_refused_in_words() {
        for (w, h) in [(0, 2), (3, 2), (2, 5), (1, 1)] {
            let e = Frame::black(w, h).unwrap_err();
            assert!(e.to_string().contains("even width and height"), "{e}");
        }
        let e = Frame::from_i420(4, 2, vec![0; 5]).unwrap_err();
        assert_eq!(e.to_string(), "5 bytes are not a 4×2 I420 frame (12 bytes)");
    }

    #[test]
    fn the_planes_split_the_bytes_as_i420_lays_them_out() {
        let mut f = Frame::black(4, 2).expect("a size");
        let (y, u, v) = f.planes_mut();
        assert_eq!((y.len(), u.len(), v.len()), (8, 2, 2));
        u[0] = 1;
        assert_eq!(f.i420()[8], 1);
        assert!(f.luma().iter().all(|&p| p == 16));
    }
}
