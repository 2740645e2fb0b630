//! STORE changes.

use std::fmt;

use super::flag::{flag_list, Flag};
use crate::encode::{self, Arg};
use crate::error::Result;

/// How STORE changes the flags.
///
/// ```
/// use imaplib_proto::build::{Flag, StoreFlags, StoreMode};
/// let change = StoreFlags::new(StoreMode::Add, [Flag::Flagged]);
/// assert_eq!((change.mode(), change.to_string()), (StoreMode::Add, "+FLAGS (\\Flagged)".into()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreMode {
    /// `FLAGS`: replace the flags with these.
    Replace,
    /// `+FLAGS`: add these flags.
    Add,
    /// `-FLAGS`: remove these flags.
    Remove,
}

/// A STORE change: a mode, the flags, and whether the server should stay silent (`.SILENT`:
/// no FETCH response with the new flags).
///
/// ```
/// use imaplib_proto::build::{Flag, StoreFlags};
///
/// let change = StoreFlags::add([Flag::Seen, Flag::keyword("$Forwarded")?]);
/// assert_eq!(change.to_string(), "+FLAGS (\\Seen $Forwarded)");
/// assert_eq!(StoreFlags::remove([Flag::Deleted]).silent().to_string(), "-FLAGS.SILENT (\\Deleted)");
/// assert_eq!(StoreFlags::replace([]).to_string(), "FLAGS ()"); // clears every flag
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
///
/// The `UNCHANGEDSINCE` modifier (CONDSTORE, RFC 7162) goes with the change in
/// [`Command::store_unchanged_since`](crate::Command::store_unchanged_since).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreFlags {
    mode: StoreMode,
    silent: bool,
    flags: Vec<Flag>,
}

impl StoreFlags {
    /// A change in this mode.
    pub fn new(mode: StoreMode, flags: impl IntoIterator<Item = Flag>) -> StoreFlags {
        StoreFlags {
            mode,
            silent: false,
            flags: flags.into_iter().collect(),
        }
    }

    /// `FLAGS (…)`: replace the flags.
    pub fn replace(flags: impl IntoIterator<Item = Flag>) -> StoreFlags {
        Self::new(StoreMode::Replace, flags)
    }

    /// `+FLAGS (…)`: add flags.
    pub fn add(flags: impl IntoIterator<Item = Flag>) -> StoreFlags {
        Self::new(StoreMode::Add, flags)
    }

    /// `-FLAGS (…)`: remove flags.
    pub fn remove(flags: impl IntoIterator<Item = Flag>) -> StoreFlags {
        Self::new(StoreMode::Remove, flags)
    }

    /// `.SILENT`: the server sends no FETCH with the new flags.
    pub fn silent(mut self) -> StoreFlags {
        self.silent = true;
        self
    }

    /// The mode.
    pub fn mode(&self) -> StoreMode {
        self.mode
    }

    /// The flags.
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    fn item(&self) -> &'static str {
        match (self.mode, self.silent) {
            (StoreMode::Replace, false) => "FLAGS",
            (StoreMode::Replace, true) => "FLAGS.SILENT",
            (StoreMode::Add, false) => "+FLAGS",
            (StoreMode::Add, true) => "+FLAGS.SILENT",
            (StoreMode::Remove, false) => "-FLAGS",
            (StoreMode::Remove, true) => "-FLAGS.SILENT",
        }
    }

    /// `item (flags)`; `\Recent` is refused.
    pub(crate) fn args(&self) -> Result<[Arg; 2]> {
        Ok([
            Arg::Atom(self.item().as_bytes().to_vec()),
            flag_list("STORE", &self.flags)?,
        ])
    }
}

impl fmt::Display for StoreFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flags = self
            .flags
            .iter()
            .map(|fl| Arg::Atom(fl.as_str().as_bytes().to_vec()))
            .collect();
        f.write_str(&encode::preview(&[
            Arg::Atom(self.item().as_bytes().to_vec()),
            Arg::Group(flags),
        ]))
    }
}
