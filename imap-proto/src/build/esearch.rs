//! ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and ESORT (RFC 5267) return options:
//! [`SearchReturn`].

use std::fmt;

use crate::encode::Arg;

/// The `RETURN (…)` options of an extended SEARCH or SORT
/// ([`Command::search_return`](crate::Command::search_return),
/// [`Command::sort_return`](crate::Command::sort_return)): which results to send back
/// (`MIN`, `MAX`, `COUNT`, `ALL`) and whether to save the result as `$` (`SAVE`, SEARCHRES).
/// No option at all is `RETURN ()`, which means `ALL`.
///
/// ```
/// use imaplib_proto::build::SearchReturn;
/// let ret = SearchReturn::new().min().max().count().save();
/// assert_eq!(ret.to_string(), "RETURN (MIN MAX COUNT SAVE)");
/// assert_eq!(SearchReturn::new().to_string(), "RETURN ()");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchReturn {
    options: Vec<&'static str>,
}

impl SearchReturn {
    /// `RETURN ()`: the server answers as for `ALL`.
    pub fn new() -> Self {
        Self::default()
    }

    fn with(mut self, o: &'static str) -> Self {
        if !self.options.contains(&o) {
            self.options.push(o);
        }
        self
    }

    /// `MIN`: the lowest matching number.
    pub fn min(self) -> Self {
        self.with("MIN")
    }

    /// `MAX`: the highest matching number.
    pub fn max(self) -> Self {
        self.with("MAX")
    }

    /// `COUNT`: how many match.
    pub fn count(self) -> Self {
        self.with("COUNT")
    }

    /// `ALL`: every match, as a sequence set (in sort order for ESORT).
    pub fn all(self) -> Self {
        self.with("ALL")
    }

    /// `SAVE` (RFC 5182, SEARCHRES): keep the result on the server as `$`
    /// ([`SequenceSet::saved`](crate::SequenceSet::saved)) for the next commands. With
    /// `MIN` or `MAX` only those are saved; alone it makes the server send no ESEARCH.
    pub fn save(self) -> Self {
        self.with("SAVE")
    }

    /// True when `SAVE` is asked for.
    pub fn saves(&self) -> bool {
        self.options.contains(&"SAVE")
    }

    pub(crate) fn args(&self) -> [Arg; 2] {
        [
            Arg::Atom(b"RETURN".to_vec()),
            Arg::Group(
                self.options
                    .iter()
                    .map(|o| Arg::Atom(o.as_bytes().to_vec()))
                    .collect(),
            ),
        ]
    }
}

impl fmt::Display for SearchReturn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RETURN ({})", self.options.join(" "))
    }
}
