//! A call on hold, as the peer plays it: nothing on the holder's side, a soft beep on
//! the held side ([`crate::tone::HoldTone`]).

/// A call on hold: no sound either way until it is resumed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Hold {
    #[default]
    Off,
    /// This side holds the call: it plays nothing.
    ByUs,
    /// The other side holds it: this side plays a soft beep every few seconds
    /// ([`crate::tone::HoldTone`]), so its user knows the call is still there.
    ByThem,
}

impl Hold {
    pub(crate) fn to_u8(self) -> u8 {
        match self {
            Hold::Off => 0,
            Hold::ByUs => 1,
            Hold::ByThem => 2,
        }
    }

    pub(crate) fn from_u8(n: u8) -> Hold {
        match n {
            1 => Hold::ByUs,
            2 => Hold::ByThem,
            _ => Hold::Off,
        }
    }
}
