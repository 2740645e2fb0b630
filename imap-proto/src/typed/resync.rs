//! Resynchronising a mailbox with CONDSTORE/QRESYNC (RFC 7162 §3.2.5, §6; RFC 4549):
//! [`SyncState`] saved by the caller, [`Resync`] what changed since, [`Resyncer`] the
//! commands that find out, and [`qresync`] for one `SELECT … (QRESYNC …)`.

use std::collections::BTreeMap;

use super::expunge::{take_vanished, Which};
use super::mailbox::owned_flags;
use super::{malformed, select, Mailbox, SeqSet};
use crate::build::{modseq_arg, FetchAttr, Qresync, SearchKey, SelectParams};
use crate::command::{Command, State};
use crate::encode::Text;
use crate::error::{Error, Reason, Result, StateProblem};
use crate::parse;
use crate::response::Reply;
use crate::session::Connection;

/// What a client saves of a mailbox to resynchronise it later: the UIDVALIDITY, the
/// HIGHESTMODSEQ and UIDNEXT seen when it was last in sync, and, if it keeps them, the
/// UIDs it holds.
///
/// Save it only once everything the resync reported is applied ([`Resync::state`]): a
/// HIGHESTMODSEQ stored earlier loses the changes in between if the connection drops.
///
/// ```
/// use imaplib_proto::typed::{Mailbox, SyncState};
/// use imaplib_proto::SequenceSet;
///
/// let state = SyncState::new(1796179228, 11, 6).with_known_uids(SequenceSet::parse(b"1:3,5")?);
/// // The QRESYNC parameter asks about the known UIDs and any UID from UIDNEXT on (new
/// // messages); `*` is not allowed there, so the range ends at 4294967294.
/// assert_eq!(state.qresync().to_string(), "QRESYNC (1796179228 11 1:3,5:4294967294)");
///
/// let mut inbox = Mailbox::default();
/// (inbox.uid_validity, inbox.highest_modseq, inbox.uid_next) = (Some(1796179228), Some(11), Some(6));
/// assert_eq!(SyncState::of(&inbox), Some(SyncState::new(1796179228, 11, 6)));
/// inbox.no_modseq = true;
/// assert_eq!(SyncState::of(&inbox), None); // no mod-sequences: nothing to resync with
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncState {
    /// `UIDVALIDITY`: the UIDs below are valid as long as it stays the same.
    pub uid_validity: u32,
    /// `HIGHESTMODSEQ` when the client was last in sync: changes after it are reported.
    pub highest_modseq: u64,
    /// `UIDNEXT` when the client was last in sync: messages from this UID on are new.
    pub uid_next: u32,
    /// The UIDs the client holds, if it keeps them: expunges are then reported for these
    /// only, exactly. Without them, the expunges reported may include UIDs the client never
    /// saw (messages that came and went in between), to be ignored.
    pub known_uids: Option<SeqSet>,
}

impl SyncState {
    /// The state from the UIDVALIDITY, HIGHESTMODSEQ and UIDNEXT of a mailbox.
    pub fn new(uid_validity: u32, highest_modseq: u64, uid_next: u32) -> SyncState {
        SyncState {
            uid_validity,
            highest_modseq,
            uid_next,
            known_uids: None,
        }
    }

    /// The same with the UIDs the client holds.
    pub fn with_known_uids(mut self, uids: impl Into<SeqSet>) -> SyncState {
        self.known_uids = Some(uids.into());
        self
    }

    /// The state of a mailbox just selected (after a full synchronisation of it), or
    /// `None` when it has no UIDVALIDITY, HIGHESTMODSEQ or UIDNEXT, or has `NOMODSEQ`:
    /// such a mailbox can only be synchronised in full.
    pub fn of(mailbox: &Mailbox) -> Option<SyncState> {
        if mailbox.no_modseq {
            return None;
        }
        Some(SyncState::new(
            mailbox.uid_validity?,
            mailbox.highest_modseq?,
            mailbox.uid_next?,
        ))
    }

    /// The QRESYNC parameter of SELECT for this state: UIDVALIDITY, HIGHESTMODSEQ, and,
    /// when the known UIDs are kept, those plus `UIDNEXT:4294967294` — RFC 7162 has the
    /// server report only the known UIDs, so the new messages are named as well (`*` is not
    /// allowed there). The expunges reported outside the known UIDs are then dropped by
    /// [`qresync`].
    pub fn qresync(&self) -> Qresync {
        let q = Qresync::new(self.uid_validity, self.highest_modseq);
        match &self.known_uids {
            Some(known) => q.known_uids(self.asked_uids(known)),
            None => q,
        }
    }

    /// The known UIDs and those from UIDNEXT on (never `*`).
    fn asked_uids(&self, known: &SeqSet) -> SeqSet {
        let mut new = SeqSet::new();
        let from = self.uid_next.max(1);
        if from < u32::MAX {
            new.push_range(from, u32::MAX - 1);
        }
        known.difference(&SeqSet::last()).union(&new)
    }

    /// The UIDs whose presence tells the expunges: the known ones, or all below UIDNEXT.
    fn candidates(&self) -> SeqSet {
        match &self.known_uids {
            Some(known) => known.difference(&SeqSet::last()),
            None if self.uid_next > 1 => SeqSet::from(1..=self.uid_next - 1),
            None => SeqSet::new(),
        }
    }
}

/// Why the changes cannot be had from the server: the client must synchronise the mailbox
/// in full (`UID FETCH 1:* (FLAGS)`, and headers as it needs), then save
/// [`SyncState::of`] the [`Resync::mailbox`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FullResync {
    /// The UIDVALIDITY is not the one saved (the mailbox was deleted and created again, or
    /// renumbered): every UID saved is void and must not be reused.
    UidValidityChanged {
        /// The UIDVALIDITY saved.
        saved: u32,
        /// The mailbox's now (`None` if the server did not say).
        now: Option<u32>,
    },
    /// `[NOMODSEQ]`: the mailbox keeps no mod-sequences.
    NoModSeq,
    /// The server has neither CONDSTORE nor QRESYNC (no `HIGHESTMODSEQ`).
    Unsupported,
    /// The HIGHESTMODSEQ is below the one saved, which RFC 7162 does not allow within one
    /// UIDVALIDITY: the server lost its history.
    ModSeqWentBack {
        /// The HIGHESTMODSEQ saved.
        saved: u64,
        /// The mailbox's now.
        now: u64,
    },
}

/// How a [`Resync`] was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResyncMethod {
    /// `SELECT … (QRESYNC …)`: one command (after `ENABLE QRESYNC`, once per connection).
    Qresync,
    /// `SELECT … (CONDSTORE)`, `UID FETCH 1:* (FLAGS) (CHANGEDSINCE m)` and
    /// `UID SEARCH UID known`: three commands (fewer when the mailbox is empty or a full
    /// resync is needed).
    Condstore,
    /// A plain `SELECT`: the server has neither extension.
    Select,
}

/// A message whose flags changed (or that is new) since the saved HIGHESTMODSEQ.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Changed {
    /// Its UID.
    pub uid: u32,
    /// Its flags now (all of them, not the difference).
    pub flags: Vec<String>,
    /// Its mod-sequence now, when the server sent it (RFC 7162 servers do).
    pub modseq: Option<u64>,
}

/// What changed in a mailbox since a [`SyncState`]: the result of
/// [`Typed::resync`](crate::typed::face) and of [`qresync`].
///
/// Apply [`vanished`](Self::vanished) (delete), [`changed`](Self::changed) (set flags),
/// fetch what you need of [`new_uids`](Self::new_uids), then save
/// [`state`](Self::state). When [`full_resync`](Self::full_resync) is set, the lists are
/// empty and `state` is `None`: synchronise in full instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resync {
    /// The mailbox as the SELECT opened it (UIDVALIDITY, HIGHESTMODSEQ, UIDNEXT, EXISTS…).
    pub mailbox: Mailbox,
    /// Set when the changes cannot be known: synchronise in full.
    pub full_resync: Option<FullResync>,
    /// UIDs expunged since, as ascending ranges (never expanded). With known UIDs saved,
    /// exactly the known ones that are gone; without, they may include UIDs never seen.
    pub vanished: SeqSet,
    /// The messages whose flags changed since, new ones included, by ascending UID.
    pub changed: Vec<Changed>,
    /// The UIDs of new messages (from the saved UIDNEXT on), as ascending ranges; their
    /// flags are in [`changed`](Self::changed).
    pub new_uids: SeqSet,
    /// How it was done.
    pub method: ResyncMethod,
    /// What to save once the changes are applied: the same UIDVALIDITY, the HIGHESTMODSEQ
    /// and UIDNEXT of this SELECT, the known UIDs less the vanished plus the new ones.
    /// `None` when a full resync is needed.
    pub state: Option<SyncState>,
}

impl Resync {
    /// True if nothing changed (and no full resync is needed).
    pub fn is_unchanged(&self) -> bool {
        self.full_resync.is_none()
            && self.vanished.is_empty()
            && self.changed.is_empty()
            && self.new_uids.is_empty()
    }

    fn full(mailbox: Mailbox, why: FullResync, method: ResyncMethod) -> Resync {
        Resync {
            mailbox,
            full_resync: Some(why),
            vanished: SeqSet::new(),
            changed: Vec::new(),
            new_uids: SeqSet::new(),
            method,
            state: None,
        }
    }

    /// The result from the messages changed and the UIDs gone (`vanished` is restricted
    /// to the known UIDs when they were saved).
    fn build(
        mailbox: Mailbox,
        saved: &SyncState,
        changed: BTreeMap<u32, Changed>,
        vanished: SeqSet,
        method: ResyncMethod,
    ) -> Resync {
        let vanished = match &saved.known_uids {
            Some(known) => vanished.intersection(known),
            None => vanished.normalized(),
        };
        let gone = |uid: u32| {
            let r = vanished.ranges();
            let i = r.partition_point(|r| r.end < uid);
            r.get(i).is_some_and(|r| r.start <= uid)
        };
        let changed: Vec<Changed> = changed.into_values().filter(|c| !gone(c.uid)).collect();
        let new_uids: SeqSet = changed
            .iter()
            .map(|c| c.uid)
            .filter(|&u| u >= saved.uid_next)
            .collect();
        let highest_new = changed
            .last()
            .map(|c| c.uid)
            .filter(|&u| u >= saved.uid_next);
        let uid_next = mailbox
            .uid_next
            .unwrap_or_else(|| highest_new.map_or(saved.uid_next, |u| u.saturating_add(1)));
        let state = SyncState {
            uid_validity: saved.uid_validity,
            highest_modseq: mailbox.highest_modseq.unwrap_or(saved.highest_modseq),
            uid_next,
            known_uids: saved
                .known_uids
                .as_ref()
                .map(|k| k.difference(&vanished).union(&new_uids)),
        };
        Resync {
            mailbox,
            full_resync: None,
            vanished,
            changed,
            new_uids,
            method,
            state: Some(state),
        }
    }
}

/// Whether the mailbox just selected can be resynchronised from `saved`.
fn full_resync(mailbox: &Mailbox, saved: &SyncState) -> Option<FullResync> {
    if mailbox.uid_validity != Some(saved.uid_validity) {
        return Some(FullResync::UidValidityChanged {
            saved: saved.uid_validity,
            now: mailbox.uid_validity,
        });
    }
    if mailbox.no_modseq {
        return Some(FullResync::NoModSeq);
    }
    let now = mailbox.highest_modseq?;
    (now < saved.highest_modseq).then_some(FullResync::ModSeqWentBack {
        saved: saved.highest_modseq,
        now,
    })
}

/// Reads FETCH responses into the messages changed, by UID: those without UID or FLAGS
/// cannot be applied and are left out; of several for one UID, the highest mod-sequence
/// (or the last) wins. A malformed response is an error.
fn read_changes(fetched: &Reply, into: &mut BTreeMap<u32, Changed>) -> Result<()> {
    for f in parse::fetches(fetched) {
        let f = f.map_err(|e| malformed("FETCH", &e))?;
        let (Some(uid), Some(flags)) = (f.uid(), f.flags()) else {
            continue;
        };
        let modseq = f.modseq();
        if let Some(old) = into.get(&uid) {
            if old.modseq > modseq {
                continue;
            }
        }
        into.insert(
            uid,
            Changed {
                uid,
                flags: owned_flags(flags),
                modseq,
            },
        );
    }
    Ok(())
}

/// `SELECT mailbox (QRESYNC (…))` ([`SyncState::qresync`]) → [`Resync`]: the [`Mailbox`]
/// (read from the store, as [`select`] does), and the `VANISHED (EARLIER)` and FETCH
/// responses of the answer, popped from the store (they are this command's). NO and BAD
/// are errors; so is a malformed FETCH or VANISHED (the connection goes on, nothing is
/// lost by trying again with the same saved state).
///
/// When the UIDVALIDITY changed the server ignores the parameter (RFC 7162 §3.2.5): the
/// result says [`FullResync::UidValidityChanged`].
///
/// ```
/// use imaplib_proto::typed::{self, ResyncMethod, SyncState};
/// use imaplib_proto::build::SelectParams;
/// use imaplib_proto::{Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC\r\nBCDE0 OK done\r\n");
/// # conn.submit(Command::enable("QRESYNC")?)?;
/// # conn.feed(b"* ENABLED QRESYNC\r\nBCDE1 OK Enabled.\r\n");
/// # while conn.poll_output().is_some() {}
/// let saved = SyncState::new(1796179228, 7, 6);
/// conn.submit(Command::select_with("INBOX", &SelectParams::qresync(saved.qresync()))?)?;
/// // Dovecot 2.3's answer (RFC 7162 §3.2.5.2).
/// conn.feed(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 4 EXISTS\r\n\
///     * OK [UIDVALIDITY 1796179228] UIDs valid\r\n* OK [UIDNEXT 7] Predicted next UID\r\n\
///     * OK [HIGHESTMODSEQ 11] Highest\r\n* VANISHED (EARLIER) 4\r\n\
///     * 1 FETCH (UID 1 FLAGS (\\Answered) MODSEQ (11))\r\n\
///     * 3 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (8))\r\n\
///     * 4 FETCH (UID 6 FLAGS () MODSEQ (10))\r\n\
///     BCDE2 OK [READ-WRITE] Select completed.\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// let resync = typed::qresync(reply, &mut conn, &saved)?;
/// assert_eq!(resync.method, ResyncMethod::Qresync);
/// assert_eq!(resync.vanished.to_string(), "4");
/// let changed: Vec<(u32, &[String])> = resync.changed.iter().map(|c| (c.uid, &c.flags[..])).collect();
/// assert_eq!(changed, [(1, &["\\Answered".to_string()][..]), (3, &["\\Flagged".into()][..]), (6, &[][..])]);
/// assert_eq!(resync.new_uids.to_string(), "6");
/// assert_eq!(resync.state, Some(SyncState::new(1796179228, 11, 7))); // save once applied
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn qresync(reply: Reply, conn: &mut Connection, saved: &SyncState) -> Result<Resync> {
    let mailbox = select(reply, conn)?;
    let fetched = conn.response("FETCH");
    let vanished = match take_vanished(conn, Which::All) {
        Ok(v) => v,
        Err(e) => {
            conn.restore_unsolicited(fetched)?;
            return Err(e);
        }
    };
    if let Some(why) = full_resync(&mailbox, saved) {
        return Ok(Resync::full(mailbox, why, ResyncMethod::Qresync));
    }
    if mailbox.highest_modseq.is_none() {
        return Ok(Resync::full(
            mailbox,
            FullResync::Unsupported,
            ResyncMethod::Qresync,
        ));
    }
    let mut changed = BTreeMap::new();
    read_changes(&fetched, &mut changed)?;
    Ok(Resync::build(
        mailbox,
        saved,
        changed,
        vanished,
        ResyncMethod::Qresync,
    ))
}

/// The mailbox name, owned.
#[derive(Debug, Clone)]
enum Name {
    Str(String),
    Bytes(Vec<u8>),
}

impl Name {
    fn text(&self) -> Text<'_> {
        match self {
            Name::Str(s) => Text::Str(s),
            Name::Bytes(b) => Text::Bytes(b),
        }
    }
}

/// The command a [`Resyncer`] waits for the answer of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Enable,
    Select,
    FetchChanged,
    SearchPresent,
    Done,
}

/// Resynchronises a mailbox, sans I/O: the commands to run, one after the other, and what
/// their answers mean, ending in a [`Resync`]. The typed face's `resync` is this loop:
///
/// ```text
/// let mut sync = Resyncer::new(mailbox, &saved, conn)?;
/// while let Some(cmd) = sync.next_command()? {
///     let reply = client.run(cmd)?;
///     sync.answer(reply, conn)?;
/// }
/// sync.finish()
/// ```
///
/// The way is chosen from the connection when it is made:
///
/// * QRESYNC enabled: `SELECT mailbox (QRESYNC (…))`, one round trip
///   ([`SyncState::qresync`]).
/// * QRESYNC advertised, not enabled, nothing selected: `ENABLE QRESYNC` first (once per
///   connection; ENABLE is not allowed once a mailbox is selected, RFC 5161).
/// * Otherwise, with CONDSTORE (or QRESYNC not enabled): `SELECT mailbox (CONDSTORE)`,
///   `UID FETCH 1:* (FLAGS) (CHANGEDSINCE m)` for the changed and new messages, and
///   `UID SEARCH UID known` (the known UIDs, or all below the saved UIDNEXT) for those
///   still there: three round trips.
/// * Neither: a plain SELECT, and [`FullResync::Unsupported`].
///
/// After a full resync is found needed (UIDVALIDITY changed, NOMODSEQ…), no further
/// command is sent.
///
/// One caveat of SELECT while another mailbox is selected: responses about the old mailbox
/// that reach the client after the SELECT was sent and before the server's `[CLOSED]`
/// cannot be told apart from the new mailbox's (the untagged store does not keep their
/// order); resync from the authenticated state, or after UNSELECT, to rule it out.
///
/// ```
/// use imaplib_proto::typed::{Resyncer, SyncState};
/// use imaplib_proto::{Command, Connection, Options, Output, Reply};
///
/// fn run(conn: &mut Connection, cmd: Command, answer: &[u8]) -> Reply {
///     conn.submit(cmd).unwrap();
///     conn.feed(answer);
///     loop {
///         if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result.unwrap() }
///     }
/// }
///
/// let mut conn = Connection::new(Options::new(0x1234));
/// conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC\r\nBCDE0 OK done\r\n");
/// let saved = SyncState::new(1796179228, 7, 5);
/// let mut sync = Resyncer::new("INBOX", &saved, &conn)?;
/// let answers: [&[u8]; 2] = [
///     b"* ENABLED QRESYNC\r\nBCDE1 OK Enabled.\r\n",
///     b"* 3 EXISTS\r\n* OK [UIDVALIDITY 1796179228] Ok\r\n* OK [UIDNEXT 5] Ok\r\n\
///       * OK [HIGHESTMODSEQ 9] Ok\r\n* VANISHED (EARLIER) 2\r\n\
///       * 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (9))\r\nBCDE2 OK [READ-WRITE] Ok\r\n",
/// ];
/// let mut sent = Vec::new();
/// for answer in answers {
///     let cmd = sync.next_command()?.expect("a command");
///     sent.push(cmd.name().to_string());
///     let reply = run(&mut conn, cmd, answer);
///     sync.answer(reply, &mut conn)?;
/// }
/// assert!(sync.next_command()?.is_none());
/// assert_eq!(sent, ["ENABLE", "SELECT"]);
/// let resync = sync.finish()?;
/// assert_eq!((resync.vanished.to_string(), resync.changed[0].uid), ("2".into(), 3));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug)]
pub struct Resyncer {
    saved: SyncState,
    name: Name,
    method: ResyncMethod,
    step: Step,
    mailbox: Option<Mailbox>,
    changed: BTreeMap<u32, Changed>,
    result: Option<Resync>,
    read_only: bool,
}

impl Resyncer {
    /// A resync of `mailbox` from `saved`, on `conn` as it is now.
    ///
    /// # Errors
    /// An argument error for a mailbox name with NUL, or a saved HIGHESTMODSEQ outside 1
    /// to 2⁶³−1.
    pub fn new<'a>(
        mailbox: impl Into<Text<'a>>,
        saved: &SyncState,
        conn: &Connection,
    ) -> Result<Resyncer> {
        let mailbox = mailbox.into();
        Command::select(mailbox, false)?;
        modseq_arg("the saved HIGHESTMODSEQ", saved.highest_modseq, false)?;
        let name = match mailbox {
            Text::Str(s) => Name::Str(s.to_string()),
            Text::Bytes(b) => Name::Bytes(b.to_vec()),
        };
        let advertised = |c: &str| conn.has_capability(c);
        let (method, step) = if conn.is_enabled("QRESYNC") {
            (ResyncMethod::Qresync, Step::Select)
        } else if advertised("QRESYNC") && advertised("ENABLE") && conn.state() == State::Auth {
            (ResyncMethod::Qresync, Step::Enable)
        } else if advertised("CONDSTORE") || advertised("QRESYNC") {
            (ResyncMethod::Condstore, Step::Select)
        } else {
            (ResyncMethod::Select, Step::Select)
        };
        Ok(Resyncer {
            saved: saved.clone(),
            name,
            method,
            step,
            mailbox: None,
            changed: BTreeMap::new(),
            result: None,
            read_only: false,
        })
    }

    /// The same resync with `EXAMINE` in place of `SELECT`: the mailbox is opened
    /// read-only, so the resync itself changes nothing on the server (no `\Seen` set by
    /// reading, `\Recent` kept), and the result's mailbox has `read_only` set.
    ///
    /// ```
    /// use imaplib_proto::typed::{Resyncer, SyncState};
    /// use imaplib_proto::{Connection, Options};
    /// let mut conn = Connection::new(Options::new(7));
    /// conn.feed(b"* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE] hi\r\n");
    /// let sync = Resyncer::new("INBOX", &SyncState::new(7, 20, 5), &conn)?.examine();
    /// assert_eq!(sync.next_command()?.unwrap().name(), "EXAMINE");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn examine(mut self) -> Resyncer {
        self.read_only = true;
        self
    }

    /// The next command to run, or `None` when the resync is complete (or failed).
    pub fn next_command(&self) -> Result<Option<Command>> {
        let name = self.name.text();
        Ok(Some(match self.step {
            Step::Enable => Command::enable("QRESYNC")?,
            Step::Select => {
                let open = if self.read_only {
                    Command::examine_with
                } else {
                    Command::select_with
                };
                match self.method {
                    ResyncMethod::Qresync => {
                        open(name, &SelectParams::qresync(self.saved.qresync()))?
                    }
                    ResyncMethod::Condstore => open(name, &SelectParams::condstore())?,
                    ResyncMethod::Select => Command::select(name, self.read_only)?,
                }
            }
            Step::FetchChanged => Command::uid_fetch_changed_since(
                1..,
                FetchAttr::flags(),
                self.saved.highest_modseq,
            )?,
            Step::SearchPresent => {
                Command::uid_search_with(&SearchKey::uid(self.saved.candidates()))?
            }
            Step::Done => return Ok(None),
        }))
    }

    /// Takes the answer to the command [`next_command`](Self::next_command) gave, with the
    /// connection right after it (its store holds the untagged data). An error (a refusal,
    /// a malformed response) ends the resync; the connection goes on.
    pub fn answer(&mut self, reply: Reply, conn: &mut Connection) -> Result<()> {
        let step = std::mem::replace(&mut self.step, Step::Done);
        match step {
            Step::Enable => {
                super::enable(reply, conn)?;
                if !conn.is_enabled("QRESYNC") {
                    self.method = ResyncMethod::Condstore;
                }
                self.step = Step::Select;
            }
            Step::Select if self.method == ResyncMethod::Qresync => {
                self.result = Some(qresync(reply, conn, &self.saved)?);
            }
            Step::Select => {
                let mailbox = select(reply, conn)?;
                let why = full_resync(&mailbox, &self.saved).or_else(|| {
                    mailbox
                        .highest_modseq
                        .is_none()
                        .then_some(FullResync::Unsupported)
                });
                if let Some(why) = why {
                    self.result = Some(Resync::full(mailbox, why, self.method));
                    return Ok(());
                }
                self.method = ResyncMethod::Condstore;
                if mailbox.exists == 0 {
                    // Nothing is there: every candidate is gone, nothing changed.
                    let gone = self.saved.candidates();
                    self.result = Some(Resync::build(
                        mailbox,
                        &self.saved,
                        BTreeMap::new(),
                        gone,
                        self.method,
                    ));
                    return Ok(());
                }
                self.mailbox = Some(mailbox);
                self.step = Step::FetchChanged;
            }
            Step::FetchChanged => {
                let fetched = reply.into_ok()?;
                read_changes(&fetched, &mut self.changed)?;
                if self.saved.candidates().is_empty() {
                    self.finish_condstore(SeqSet::new());
                } else {
                    self.step = Step::SearchPresent;
                }
            }
            Step::SearchPresent => {
                let present = super::search(reply)?;
                let gone = self.saved.candidates().difference(&present);
                self.finish_condstore(gone);
            }
            Step::Done => {
                return Err(Error::error(
                    Reason::State(StateProblem::NotPending),
                    "the resync asked for no command",
                ))
            }
        }
        Ok(())
    }

    fn finish_condstore(&mut self, gone: SeqSet) {
        if let Some(mailbox) = self.mailbox.take() {
            let changed = std::mem::take(&mut self.changed);
            self.result = Some(Resync::build(
                mailbox,
                &self.saved,
                changed,
                gone,
                ResyncMethod::Condstore,
            ));
        }
    }

    /// The result, once [`next_command`](Self::next_command) gives `None` after a
    /// successful [`answer`](Self::answer).
    ///
    /// # Errors
    /// A state error if the resync is not complete.
    pub fn finish(self) -> Result<Resync> {
        self.result.ok_or_else(|| {
            Error::error(
                Reason::State(StateProblem::NotPending),
                "the resync is not complete",
            )
        })
    }
}
