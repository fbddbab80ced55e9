//! `switchboard://call/<username>` (and `tel:`-style `switchboard:<username>`) links.

/// The username a link asks to call, if it is one of ours.
pub fn username_in(link: &str) -> Option<String> {
    let rest = link.trim().strip_prefix("switchboard:")?;
    let rest = rest.trim_start_matches('/');
    let name = rest.strip_prefix("call/").unwrap_or(rest);
    let name = name.trim_end_matches('/');
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@.+-_".contains(c));
    valid.then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::username_in;

    #[test]
    fn call_links_name_a_user_and_nothing_else() {
        assert_eq!(username_in("switchboard://call/bob"), Some("bob".into()));
        assert_eq!(username_in("switchboard://call/bob/"), Some("bob".into()));
        assert_eq!(username_in("switchboard:ann.lee"), Some("ann.lee".into()));
        assert_eq!(username_in("switchboard://call/"), None);
        assert_eq!(username_in("switchboard://call/bob;rm -rf"), None);
        assert_eq!(username_in("https://call/bob"), None);
    }
}
