use crate::TlsError;
use sha2::{Digest, Sha256};
use std::fmt;

/// A certificate's SHA-256 (over its DER bytes): what a client pins. Written
/// `sha256:` and 64 lowercase hexadecimal digits; read with or without the prefix, in
/// either case, with or without `:` between bytes (as browsers show it).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(certificate_der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(certificate_der).into())
    }

    pub fn parse(text: &str) -> Result<Fingerprint, TlsError> {
        let bad = || TlsError::BadFingerprint(text.to_owned());
        let trimmed = text.trim();
        let hex = trimmed
            .strip_prefix("sha256:")
            .or_else(|| trimmed.strip_prefix("SHA256:"))
            .unwrap_or(trimmed);
        let digits: Vec<u8> = hex
            .bytes()
            .filter(|b| *b != b':' && *b != b' ')
            .map(|b| (b as char).to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        if digits.len() != 64 {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = pair[0] << 4 | pair[1];
        }
        Ok(Fingerprint(bytes))
    }

    /// For reading aloud or comparing by eye: `AB12 CD34 …`, 16 groups of four.
    pub fn grouped(&self) -> String {
        let hex = self.hex().to_uppercase();
        hex.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = TlsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fingerprint::parse(s)
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Fingerprint::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_back_in_every_usual_spelling() {
        let fp = Fingerprint::of(b"a certificate");
        let text = fp.to_string();
        assert!(
            text.starts_with("sha256:") && text.len() == 7 + 64,
            "{text}"
        );
        assert_eq!(Fingerprint::parse(&text).unwrap(), fp);
        let bare = text.trim_start_matches("sha256:");
        assert_eq!(Fingerprint::parse(bare).unwrap(), fp);
        assert_eq!(Fingerprint::parse(&bare.to_uppercase()).unwrap(), fp);
        let colons: Vec<String> = bare
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        assert_eq!(Fingerprint::parse(&colons.join(":")).unwrap(), fp);
        assert_eq!(Fingerprint::parse(&fp.grouped()).unwrap(), fp);
        assert_eq!(fp.grouped().split(' ').count(), 16);
    }

    #[test]
    fn anything_else_is_refused_with_a_sentence() {
        for bad in [
            "",
            "sha256:",
            "sha256:abc",
            "md5:00",
            &"g".repeat(64),
            &"a".repeat(66),
        ] {
            let e = Fingerprint::parse(bad).unwrap_err().to_string();
            assert!(e.contains("is not a certificate fingerprint"), "{bad}: {e}");
        }
    }
}
