//! What a picture costs: 300 test pattern pictures at 640×480 made, coded and decoded,
//! with the time of each step per picture and the bytes it took; and what showing one in
//! the app's webview costs, as RGBA or as a JPEG.
//!
//!     cargo run --release -p switchboard-video --example encode_speed

use std::time::{Duration, Instant};
use switchboard_video::convert::{to_jpeg, to_rgba};
use switchboard_video::pattern::TestPattern;
use switchboard_video::vp8::{EncoderSettings, Vp8Decoder, Vp8Encoder};

const PICTURES: u32 = 300;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut pattern = TestPattern::new(640, 480)?;
    let mut encoder = Vp8Encoder::new(EncoderSettings::VGA)?;
    let mut decoder = Vp8Decoder::new()?;
    let (mut make, mut code, mut decode) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut coded, mut bytes, mut keyframe_bytes) = (0, 0, 0);
    let (mut rgba, mut jpeg, mut rgba_bytes, mut jpeg_bytes) =
        (Duration::ZERO, Duration::ZERO, 0, 0);
    for n in 0..PICTURES {
        let t = Instant::now();
        let frame = pattern.next_frame(n);
        make += t.elapsed();
        let t = Instant::now();
        rgba_bytes += to_rgba(&frame)?.len();
        rgba += t.elapsed();
        let t = Instant::now();
        jpeg_bytes += to_jpeg(&frame, 80)?.len();
        jpeg += t.elapsed();
        let t = Instant::now();
        let pictures = encoder.encode(&frame, false)?;
        code += t.elapsed();
        let t = Instant::now();
        for picture in &pictures {
            if picture.keyframe {
                keyframe_bytes = picture.data.len();
            }
            coded += 1;
            bytes += picture.data.len();
            decoder.decode(&picture.data)?;
        }
        decode += t.elapsed();
    }
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(PICTURES);
    println!(
        "{coded} of {PICTURES} pictures coded; per picture: made {:.2} ms, coded {:.2} ms, \
         decoded {:.2} ms, {} bytes (the keyframe {keyframe_bytes})",
        per(make),
        per(code),
        per(decode),
        bytes / coded.max(1)
    );
    println!(
        "for the webview, per picture: RGBA {:.2} ms, {} bytes; JPEG (quality 80) {:.2} ms, {} bytes",
        per(rgba),
        rgba_bytes / PICTURES as usize,
        per(jpeg),
        jpeg_bytes / PICTURES as usize
    );
    Ok(())
}
