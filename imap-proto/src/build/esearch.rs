//! ESEARCH (RFC 4731), SEARCHRES (RFC 5182), ESORT and CONTEXT=SEARCH (RFC 5267) return
//! options: [`SearchReturn`].

use std::fmt;

use crate::encode::Arg;
use crate::error::{ArgumentProblem, Error, Reason, Result};

/// One return option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ReturnOption {
    /// A keyword: `MIN`, `MAX`, `COUNT`, `ALL`, `SAVE`, `UPDATE`.
    Word(&'static str),
    /// `PARTIAL first:last` (RFC 5267 §4.4), 1-based positions, `first <= last`.
    Partial(u32, u32),
}

impl fmt::Display for ReturnOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReturnOption::Word(w) => f.write_str(w),
            ReturnOption::Partial(lo, hi) => write!(f, "PARTIAL {lo}:{hi}"),
        }
    }
}

/// The `RETURN (…)` options of an extended SEARCH or SORT
/// ([`Command::search_return`](crate::Command::search_return),
/// [`Command::sort_return`](crate::Command::sort_return)): which results to send back
/// (`MIN`, `MAX`, `COUNT`, `ALL`) and whether to save the result as `$` (`SAVE`, SEARCHRES).
/// No option at all is `RETURN ()`, which means `ALL`. CONTEXT=SEARCH (RFC 5267) adds
/// `PARTIAL first:last` (one page of the matches, by position) and `UPDATE` (the server
/// keeps the search live, reporting `ADDTO`/`REMOVEFROM` until
/// [`Command::cancel_update`](crate::Command::cancel_update)).
///
/// ```
/// use imaplib_proto::build::SearchReturn;
/// let ret = SearchReturn::new().min().max().count().save();
/// assert_eq!(ret.to_string(), "RETURN (MIN MAX COUNT SAVE)");
/// assert_eq!(SearchReturn::new().to_string(), "RETURN ()");
/// let page = SearchReturn::new().partial(1, 10)?.count().update();
/// assert_eq!(page.to_string(), "RETURN (PARTIAL 1:10 COUNT UPDATE)");
/// assert!(SearchReturn::new().partial(0, 10).is_err());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchReturn {
    options: Vec<ReturnOption>,
}

impl SearchReturn {
    /// `RETURN ()`: the server answers as for `ALL`.
    pub fn new() -> Self {
        Self::default()
    }

    fn with(mut self, o: &'static str) -> Self {
        let o = ReturnOption::Word(o);
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

    /// `PARTIAL first:last` (RFC 5267 §4.4, CONTEXT=SEARCH): only the matches at
    /// positions `first` to `last` (1-based, in the result's order: ascending numbers for
    /// SEARCH, sort order for SORT), sent as `PARTIAL (first:last set)`. A later call
    /// replaces the range. Only positive ranges: RFC 9394's negative ones (from the end)
    /// are refused by Dovecot 2.3 (`BAD … PARTIAL range broken`).
    ///
    /// # Errors
    /// An argument error when `first` is 0 or greater than `last`.
    pub fn partial(mut self, first: u32, last: u32) -> Result<Self> {
        if first == 0 || first > last {
            let problem = if first == 0 {
                ArgumentProblem::Zero
            } else {
                ArgumentProblem::OutOfRange
            };
            return Err(Error::error(
                Reason::argument("the PARTIAL range", problem),
                format!("PARTIAL {first}:{last}: positions start at 1 and the first comes first"),
            ));
        }
        self.options
            .retain(|o| !matches!(o, ReturnOption::Partial(..)));
        self.options.push(ReturnOption::Partial(first, last));
        Ok(self)
    }

    /// `UPDATE` (RFC 5267 §4.3, CONTEXT=SEARCH): the server keeps this search live and
    /// reports changes to its result as `* ESEARCH (TAG "t") ADDTO (…)` / `REMOVEFROM (…)`
    /// updates ([`Esearch::addto`](crate::parse::Esearch::addto)) until the search is
    /// cancelled with [`Command::cancel_update`](crate::Command::cancel_update) (or the
    /// mailbox is closed); `NO [NOUPDATE "t"]` (an OK result) if it will not.
    pub fn update(self) -> Self {
        self.with("UPDATE")
    }

    /// True when `SAVE` is asked for.
    pub fn saves(&self) -> bool {
        self.options.contains(&ReturnOption::Word("SAVE"))
    }

    /// True when `PARTIAL` or `UPDATE` is asked for (these need `CONTEXT=SEARCH`, or
    /// `CONTEXT=SORT` with SORT).
    pub fn needs_context(&self) -> bool {
        self.options
            .iter()
            .any(|o| matches!(o, ReturnOption::Partial(..) | ReturnOption::Word("UPDATE")))
    }

    pub(crate) fn args(&self) -> [Arg; 2] {
        [
            Arg::Atom(b"RETURN".to_vec()),
            Arg::Group(
                self.options
                    .iter()
                    .map(|o| Arg::Atom(o.to_string().into_bytes()))
                    .collect(),
            ),
        ]
    }
}

impl fmt::Display for SearchReturn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RETURN (")?;
        for (i, o) in self.options.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{o}")?;
        }
        f.write_str(")")
    }
}
