//! Text from other users (names, status messages), made safe to show: bidirectional
//! control characters, with which "Alice" can be made to read as something else, are
//! dropped; for a notification body, whose servers read a subset of HTML, markup is
//! escaped too.

/// Whether `c` changes the direction of the text around it without being a letter:
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the marks
/// (U+200E, U+200F) and the Arabic letter mark (U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` without bidirectional controls or other control characters (line breaks
/// included): right-to-left letters stay.
pub fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !is_bidi_control(*c) && !c.is_control())
        .collect()
}

/// [`plain`], with `&`, `<` and `>` escaped: a notification body (freedesktop
/// notification servers render a subset of HTML in it).
pub fn for_notification_body(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in plain(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_direction_tricks_and_markup_but_keep_their_letters() {
        assert_eq!(plain("\u{202E}ecilA"), "ecilA");
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}', '\u{2068}',
            '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            assert_eq!(plain(&format!("Al{c}ice")), "Alice", "{:04X}", c as u32);
        }
        assert_eq!(plain("Line\nbreak\ttab"), "Linebreaktab");
        assert_eq!(plain("שלום مرحبا Zoë"), "שלום مرحبا Zoë");
        assert_eq!(
            for_notification_body("<b>Bob</b> & \u{202E}Co"),
            "&lt;b&gt;Bob&lt;/b&gt; &amp; Co"
        );
    }
}
