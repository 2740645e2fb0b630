//! CONDSTORE and QRESYNC (RFC 7162): SELECT/EXAMINE parameters and mod-sequences.

use std::fmt;

use crate::encode::{self, arg_error, Arg};
use crate::error::{ArgumentProblem, Result};
use crate::seqset::SequenceSet;

/// The largest mod-sequence a command may carry: 2⁶³−1 (RFC 7162 §7, `mod-sequence-value`).
pub const MAX_MODSEQ: u64 = (1 << 63) - 1;

/// A mod-sequence as a command argument: at most [`MAX_MODSEQ`], and positive unless the
/// position allows 0 (`mod-sequence-valzer`: UNCHANGEDSINCE, the MODSEQ search key).
pub(crate) fn modseq_arg(what: &str, n: u64, zero_allowed: bool) -> Result<Arg> {
    if n > MAX_MODSEQ || (n == 0 && !zero_allowed) {
        let low = if zero_allowed { 0 } else { 1 };
        return Err(arg_error(
            what,
            ArgumentProblem::OutOfRange,
            format!("{what} must be between {low} and 2^63-1, not {n}"),
        ));
    }
    Ok(Arg::Atom(n.to_string().into_bytes()))
}

/// A UID or message-number set of the QRESYNC parameter: not empty, no 0, and neither `*`
/// nor `$` (RFC 7162 §3.2.5: "`*` is not allowed"). `*` is `u32::MAX` in a
/// [`SequenceSet`], so the UID 4294967295 cannot be named here.
fn explicit_set(what: &str, set: &SequenceSet) -> Result<Arg> {
    let refuse = |why: &str| {
        arg_error(
            what,
            ArgumentProblem::NotSequenceSet,
            format!("{what} {why}: {set}"),
        )
    };
    if set.is_saved() {
        return Err(refuse("cannot be `$`"));
    }
    set.check()
        .map_err(|_| refuse("must be a non-empty set without 0"))?;
    if set.ranges().iter().any(|r| r.end == u32::MAX) {
        return Err(refuse("cannot hold `*`"));
    }
    Ok(Arg::Atom(set.to_bytes()))
}

/// The QRESYNC parameter of SELECT/EXAMINE (RFC 7162 §3.2.5): what the client knew of the
/// mailbox, so that the server answers with what changed since.
///
/// `QRESYNC (uidvalidity modseq [known-uids [(known-seqs known-uids)]])`. The values are
/// checked when the command is built: UIDVALIDITY not 0, the mod-sequence between 1 and
/// 2⁶³−1, sets not empty and without 0, `*` or `$`, and the two sets of the sequence match
/// data of the same size.
///
/// ```
/// use imaplib_proto::build::{Qresync, SelectParams};
/// use imaplib_proto::Command;
///
/// let q = Qresync::new(1796179228, 7).known_uids(1..=5).seq_match(1..=3, 1..=3);
/// assert_eq!(q.to_string(), "QRESYNC (1796179228 7 1:5 (1:3 1:3))");
/// let select = Command::select_with("INBOX", &SelectParams::qresync(q))?;
/// assert!(Command::select_with("INBOX", &SelectParams::qresync(Qresync::new(0, 7))).is_err());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qresync {
    uid_validity: u32,
    modseq: u64,
    known_uids: Option<SequenceSet>,
    seq_match: Option<(SequenceSet, SequenceSet)>,
}

impl Qresync {
    /// The UIDVALIDITY and the HIGHESTMODSEQ the client saw last.
    pub fn new(uid_validity: u32, modseq: u64) -> Qresync {
        Qresync {
            uid_validity,
            modseq,
            known_uids: None,
            seq_match: None,
        }
    }

    /// The UIDs the client holds: the server reports changes and expunges of these only.
    pub fn known_uids(mut self, uids: impl Into<SequenceSet>) -> Qresync {
        self.known_uids = Some(uids.into());
        self
    }

    /// Message numbers and the UIDs the client believes they have, in ascending order (a
    /// sparse sample is enough): lets a server without a full expunge history answer
    /// precisely. Sent only after [`known_uids`](Self::known_uids) (the grammar puts it
    /// there); without them, the command is refused.
    pub fn seq_match(
        mut self,
        seqs: impl Into<SequenceSet>,
        uids: impl Into<SequenceSet>,
    ) -> Qresync {
        self.seq_match = Some((seqs.into(), uids.into()));
        self
    }

    /// The UIDVALIDITY.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    /// The mod-sequence.
    pub fn modseq(&self) -> u64 {
        self.modseq
    }

    /// The known UIDs, if given.
    pub fn uids(&self) -> Option<&SequenceSet> {
        self.known_uids.as_ref()
    }

    /// `QRESYNC (…)` as two arguments, after the checks.
    fn args(&self) -> Result<[Arg; 2]> {
        if self.uid_validity == 0 {
            return Err(arg_error(
                "the UIDVALIDITY",
                ArgumentProblem::OutOfRange,
                "UIDVALIDITY is never 0",
            ));
        }
        let mut inner = vec![
            Arg::Atom(self.uid_validity.to_string().into_bytes()),
            modseq_arg("the mod-sequence", self.modseq, false)?,
        ];
        match (&self.known_uids, &self.seq_match) {
            (None, Some(_)) => {
                return Err(arg_error(
                    "the sequence match data",
                    ArgumentProblem::NotAllowed,
                    "sequence match data needs known UIDs before it",
                ))
            }
            (None, None) => {}
            (Some(uids), seq_match) => {
                inner.push(explicit_set("the known UIDs", uids)?);
                if let Some((seqs, uids)) = seq_match {
                    let seqs_arg = explicit_set("the known sequence set", seqs)?;
                    let uids_arg = explicit_set("the known UID set", uids)?;
                    if seqs.count() != uids.count() {
                        return Err(arg_error(
                            "the sequence match data",
                            ArgumentProblem::Count {
                                expected: seqs.count().try_into().unwrap_or(usize::MAX),
                                got: uids.count().try_into().unwrap_or(usize::MAX),
                            },
                            format!(
                                "the sequence match data pairs {} message numbers with {} UIDs",
                                seqs.count(),
                                uids.count()
                            ),
                        ));
                    }
                    inner.push(Arg::Group(vec![seqs_arg, uids_arg]));
                }
            }
        }
        Ok([Arg::Atom(b"QRESYNC".to_vec()), Arg::Group(inner)])
    }

    /// The arguments as they would be written, without the checks (for `Display`).
    fn preview_args(&self) -> Vec<Arg> {
        let atom = |s: String| Arg::Atom(s.into_bytes());
        let mut inner = vec![
            atom(self.uid_validity.to_string()),
            atom(self.modseq.to_string()),
        ];
        if let Some(uids) = &self.known_uids {
            inner.push(atom(uids.to_string()));
            if let Some((s, u)) = &self.seq_match {
                inner.push(Arg::Group(vec![atom(s.to_string()), atom(u.to_string())]));
            }
        }
        vec![atom("QRESYNC".into()), Arg::Group(inner)]
    }
}

impl fmt::Display for Qresync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode::preview(&self.preview_args()))
    }
}

/// What SELECT or EXAMINE asks for besides opening the mailbox (RFC 4466 select
/// parameters): nothing, `(CONDSTORE)`, or `(QRESYNC (…))` ([`Qresync`]).
///
/// `CONDSTORE` turns on mod-sequences for the session (the answer has `[HIGHESTMODSEQ n]`,
/// and FETCH responses for flag changes carry `MODSEQ`). `QRESYNC` needs `ENABLE QRESYNC`
/// first (RFC 7162 §3.2.3; the connection refuses it before sending anything otherwise),
/// and makes the answer include `VANISHED (EARLIER)` and a FETCH for each message changed
/// since the mod-sequence given.
///
/// ```
/// use imaplib_proto::build::{Qresync, SelectParams};
/// use imaplib_proto::Command;
///
/// assert_eq!(SelectParams::condstore().to_string(), "(CONDSTORE)");
/// assert_eq!(SelectParams::none().to_string(), "");
/// let p = SelectParams::qresync(Qresync::new(67890007, 20050715194045000).known_uids(41..=211));
/// assert_eq!(p.to_string(), "(QRESYNC (67890007 20050715194045000 41:211))");
/// let cmd = Command::examine_with("INBOX", &SelectParams::condstore())?;
/// assert_eq!(cmd.name(), "EXAMINE");
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectParams(Param);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Param {
    #[default]
    None,
    Condstore,
    Qresync(Qresync),
}

impl SelectParams {
    /// No parameter: a plain SELECT.
    pub fn none() -> SelectParams {
        SelectParams(Param::None)
    }

    /// `(CONDSTORE)`.
    pub fn condstore() -> SelectParams {
        SelectParams(Param::Condstore)
    }

    /// `(QRESYNC (…))`.
    pub fn qresync(q: Qresync) -> SelectParams {
        SelectParams(Param::Qresync(q))
    }

    /// The QRESYNC parameter, if this is one.
    pub fn as_qresync(&self) -> Option<&Qresync> {
        match &self.0 {
            Param::Qresync(q) => Some(q),
            _ => None,
        }
    }

    /// The parenthesised list, if any, after the checks.
    pub(crate) fn arg(&self) -> Result<Option<Arg>> {
        Ok(match &self.0 {
            Param::None => None,
            Param::Condstore => Some(Arg::Group(vec![Arg::Atom(b"CONDSTORE".to_vec())])),
            Param::Qresync(q) => Some(Arg::Group(q.args()?.into())),
        })
    }
}

impl From<Qresync> for SelectParams {
    fn from(q: Qresync) -> SelectParams {
        SelectParams::qresync(q)
    }
}

impl fmt::Display for SelectParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Param::None => Ok(()),
            Param::Condstore => f.write_str("(CONDSTORE)"),
            Param::Qresync(q) => f.write_str(&encode::preview(&[Arg::Group(q.preview_args())])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(q: Qresync) -> String {
        SelectParams::qresync(q)
            .arg()
            .unwrap_err()
            .message()
            .to_string()
    }

    #[test]
    fn qresync_values_are_checked() {
        assert!(refused(Qresync::new(0, 1)).contains("UIDVALIDITY"));
        assert!(refused(Qresync::new(1, 0)).contains("between 1 and 2^63-1"));
        assert!(refused(Qresync::new(1, MAX_MODSEQ + 1)).contains("between 1"));
        assert!(refused(Qresync::new(1, 1).known_uids(SequenceSet::new())).contains("non-empty"));
        assert!(refused(Qresync::new(1, 1).known_uids(3..)).contains("`*`"));
        assert!(refused(Qresync::new(1, 1).known_uids(SequenceSet::saved())).contains("`$`"));
        assert!(refused(Qresync::new(1, 1).known_uids(0..=3)).contains("without 0"));
        let q = Qresync::new(1, 1).known_uids(1..=9);
        assert!(refused(q.clone().seq_match(1..=2, 1..=3)).contains("pairs 2"));
        assert!(refused(q.clone().seq_match(1..=2, SequenceSet::last())).contains("`*`"));
        assert!(refused(Qresync::new(1, 1).seq_match(1, 1)).contains("needs known UIDs"));
        let ok = SelectParams::qresync(q.seq_match(
            [1, 5].into_iter().collect::<SequenceSet>(),
            [3, 9].into_iter().collect::<SequenceSet>(),
        ));
        let arg = ok.arg().unwrap().unwrap();
        assert_eq!(encode::preview(&[arg]), "(QRESYNC (1 1 1:9 (1,5 3,9)))");
        let max = SelectParams::qresync(Qresync::new(u32::MAX, MAX_MODSEQ));
        assert_eq!(
            encode::preview(&[max.arg().unwrap().unwrap()]),
            "(QRESYNC (4294967295 9223372036854775807))"
        );
    }

    #[test]
    fn modseq_bounds() {
        assert!(modseq_arg("x", 0, true).is_ok());
        assert!(modseq_arg("x", 0, false).is_err());
        assert!(modseq_arg("x", MAX_MODSEQ, false).is_ok());
        let e = modseq_arg("x", u64::MAX, true).unwrap_err();
        assert!(matches!(
            e.reason(),
            crate::Reason::Argument {
                problem: ArgumentProblem::OutOfRange,
                ..
            }
        ));
    }
}
