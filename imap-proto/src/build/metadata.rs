//! METADATA (RFC 5464): GETMETADATA options and entry names.

use crate::encode::arg_error;
use crate::error::{ArgumentProblem, Error};

/// GETMETADATA's `DEPTH`: which entries below the named ones are returned too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Depth {
    /// The named entries only (the default; not sent).
    #[default]
    Zero,
    /// The named entries and their immediate children.
    One,
    /// The named entries and all their descendants.
    Infinity,
}

/// GETMETADATA's options (`MAXSIZE`, `DEPTH`).
///
/// ```
/// use imaplib_proto::build::{Depth, MetadataOptions};
/// let opts = MetadataOptions::new().max_size(1024).depth(Depth::Infinity);
/// assert_eq!(opts.to_string(), "(MAXSIZE 1024 DEPTH infinity)");
/// assert_eq!(MetadataOptions::new().to_string(), "");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MetadataOptions {
    max_size: Option<u64>,
    depth: Depth,
}

impl MetadataOptions {
    /// No options: the named entries, whatever their size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Leave out values larger than `bytes` (the tagged OK then says
    /// `[METADATA LONGENTRIES n]`).
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    /// Return entries below the named ones too.
    pub fn depth(mut self, depth: Depth) -> Self {
        self.depth = depth;
        self
    }

    /// True when nothing is to be sent.
    pub(crate) fn is_empty(&self) -> bool {
        self.max_size.is_none() && self.depth == Depth::Zero
    }
}

impl std::fmt::Display for MetadataOptions {
    /// The options' wire form, `(MAXSIZE n DEPTH d)`, or nothing.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return Ok(());
        }
        let mut parts = Vec::new();
        if let Some(n) = self.max_size {
            parts.push(format!("MAXSIZE {n}"));
        }
        match self.depth {
            Depth::Zero => {}
            Depth::One => parts.push("DEPTH 1".into()),
            Depth::Infinity => parts.push("DEPTH infinity".into()),
        }
        write!(f, "({})", parts.join(" "))
    }
}

/// Validates a METADATA entry name (RFC 5464 §3.2).
pub(crate) fn entry(name: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(arg_error(
            "a METADATA entry name",
            ArgumentProblem::InvalidEntry,
            format!("invalid METADATA entry name {name:?}: {why}"),
        ))
    };
    let lower = name.to_ascii_lowercase();
    let top_ok = ["/private", "/shared"]
        .iter()
        .any(|p| lower == *p || lower.starts_with(&format!("{p}/")));
    if !top_ok {
        return bad("it must begin with /private or /shared");
    }
    if name.contains(['*', '%']) {
        return bad("'*' and '%' are not allowed");
    }
    if name.contains("//") || name.ends_with('/') {
        return bad("empty path component");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("control characters are not allowed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        for ok in [
            "/private/comment",
            "/shared",
            "/Shared/vendor/x/y",
            "/private/ü",
        ] {
            assert!(entry(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/",
            "/foo",
            "private/comment",
            "/private/",
            "/private//x",
            "/private/a*",
            "/shared/%",
            "/private/a\r\nA1 LOGOUT",
            "/private/\0",
            "/privatex",
        ] {
            assert!(entry(bad).is_err(), "{bad:?}");
        }
    }
}
