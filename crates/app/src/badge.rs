//! The missed-call count drawn on the tray icon: a red disc in the top-right corner with
//! white digits ("9+" above nine). Pure pixels, so the shell only hands the result to
//! the tray.

/// Digits 0–9 and '+', 3 columns × 5 rows each, one bit per cell (top row first,
/// leftmost column the highest of three bits).
const GLYPHS: [[u8; 5]; 11] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
    [0b000, 0b010, 0b111, 0b010, 0b000],
];

const RED: [u8; 4] = [0xd9, 0x2d, 0x20, 0xff];
const WHITE: [u8; 4] = [0xff, 0xff, 0xff, 0xff];

/// What the badge says: nothing for zero, "1"…"9", then "9+".
pub fn label(count: u32) -> String {
    match count {
        0 => String::new(),
        1..=9 => count.to_string(),
        _ => "9+".to_owned(),
    }
}

/// `icon` (RGBA, `size`×`size`) with `count` drawn on it; zero gives the icon unchanged.
/// An icon whose buffer does not match its size is returned as it is.
pub fn draw(icon: &[u8], size: u32, count: u32) -> Vec<u8> {
    let mut out = icon.to_vec();
    let text = label(count);
    let side = size as usize;
    if text.is_empty() || side < 8 || out.len() != side * side * 4 {
        return out;
    }
    // The disc: a little over half the icon's width, in the top-right corner.
    let diameter = side * 5 / 9;
    let radius = diameter as f32 / 2.0;
    let (cx, cy) = (side as f32 - radius, radius);
    for y in 0..diameter {
        for x in side - diameter..side {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            if dx * dx + dy * dy <= radius * radius {
                put(&mut out, side, x, y, RED);
            }
        }
    }
    // The digits: glyph cells scaled so the text fits in the middle 60 % of the disc.
    let glyphs: Vec<&[u8; 5]> = text
        .chars()
        .map(|c| &GLYPHS[c.to_digit(10).map_or(10, |d| d as usize)])
        .collect();
    let columns = glyphs.len() * 4 - 1;
    let fits = diameter * 6 / 10;
    let cell = (fits / columns).min(fits / 5).max(1);
    let (width, height) = (columns * cell, 5 * cell);
    let left = (cx - width as f32 / 2.0).round().max(0.0) as usize;
    let top = (cy - height as f32 / 2.0).round().max(0.0) as usize;
    for (i, glyph) in glyphs.iter().enumerate() {
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) == 0 {
                    continue;
                }
                let (x0, y0) = (left + (i * 4 + col) * cell, top + row * cell);
                for y in y0..y0 + cell {
                    for x in x0..x0 + cell {
                        put(&mut out, side, x, y, WHITE);
                    }
                }
            }
        }
    }
    out
}

fn put(pixels: &mut [u8], side: usize, x: usize, y: usize, colour: [u8; 4]) {
    if x < side && y < side {
        let at = (y * side + x) * 4;
        pixels[at..at + 4].copy_from_slice(&colour);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(pixels: &[u8], side: usize, x: usize, y: usize) -> [u8; 4] {
        let at = (y * side + x) * 4;
        [pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]]
    }

    #[test]
    fn labels_count_up_to_nine_then_say_more() {
        assert_eq!(label(0), "");
        assert_eq!(label(1), "1");
        assert_eq!(label(9), "9");
        assert_eq!(label(10), "9+");
        assert_eq!(label(u32::MAX), "9+");
    }

    #[test]
    fn zero_leaves_the_icon_and_a_count_draws_a_red_disc_with_white_digits() {
        let side = 64;
        let icon = vec![0x20u8; side * side * 4];
        assert_eq!(draw(&icon, side as u32, 0), icon);

        let one = draw(&icon, side as u32, 1);
        // The bottom-left is the icon; the disc is red at its edge, white in its digit.
        assert_eq!(pixel(&one, side, 2, side - 3), [0x20; 4]);
        let diameter = side * 5 / 9;
        let (cx, cy) = (side - diameter / 2, diameter / 2);
        assert_eq!(pixel(&one, side, cx + diameter / 2 - 2, cy), RED);
        // "1" has its stem in the middle column: the disc's centre is white.
        assert_eq!(pixel(&one, side, cx, cy), WHITE);
        // White only inside the disc, in columns either side of its centre for "9+".
        let white_columns = |p: &[u8]| -> Vec<usize> {
            (0..side)
                .filter(|x| (0..side).any(|y| pixel(p, side, *x, y) == WHITE))
                .collect()
        };
        let narrow = white_columns(&one);
        let wide = white_columns(&draw(&icon, side as u32, 12));
        assert!(narrow.iter().all(|x| x.abs_diff(cx) < diameter / 2));
        assert!(wide.iter().any(|x| *x < cx - 2) && wide.iter().any(|x| *x > cx + 2));
        assert!(wide.len() > narrow.len());
        assert_ne!(draw(&icon, side as u32, 7), one);
    }

    #[test]
    fn odd_sizes_and_mismatched_buffers_do_not_panic() {
        for side in [0u32, 1, 7, 8, 9, 16, 22, 31, 33, 512] {
            let icon = vec![0u8; (side * side * 4) as usize];
            for count in [0, 1, 5, 9, 10, 99] {
                assert_eq!(draw(&icon, side, count).len(), icon.len());
            }
        }
        assert_eq!(draw(&[1, 2, 3], 32, 4), vec![1, 2, 3]);
    }
}
