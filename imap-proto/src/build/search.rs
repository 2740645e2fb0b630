//! Search keys (RFC 3501 / RFC 9051 §6.4.4), SORT criteria (RFC 5256) and THREAD algorithms.

use std::fmt;

use chrono::NaiveDate;

use super::flag::{Flag, Keyword};
use crate::encode::{self, arg_error, Arg};
use crate::error::{ArgumentProblem, Result};
use crate::seqset::SequenceSet;

/// A search key for SEARCH, UID SEARCH, SORT and THREAD.
///
/// One constructor per key of RFC 3501 and RFC 9051, plus [`and`](SearchKey::and),
/// [`or`](SearchKey::or), [`not`](SearchKey::not) and explicit [`group`](SearchKey::group)s
/// (the operators `&`, `|` and `!` do the same). Strings are sent quoted, or as literals
/// when they hold CR or LF or, outside UTF-8 mode, 8-bit text (then the command says
/// `CHARSET UTF-8`); dates go out as `1-Feb-2024`. `Display` shows the key as a connection
/// in the default mode sends it.
///
/// ```
/// use imaplib_proto::build::SearchKey;
/// use imaplib_proto::chrono::NaiveDate;
///
/// let since = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
/// let key = SearchKey::from("alice@example.org")
///     .or(SearchKey::to("alice@example.org"))
///     .and(SearchKey::since(since))
///     .and(!SearchKey::deleted());
/// assert_eq!(
///     key.to_string(),
///     "OR FROM \"alice@example.org\" TO \"alice@example.org\" SINCE 1-Feb-2024 NOT DELETED"
/// );
/// ```
///
/// Keys of later extensions (SAVEDATESINCE…) will be further constructors; the
/// representation is private so that they can be added. `MODSEQ` (CONDSTORE, RFC 7162) is
/// [`SearchKey::modseq`] and [`SearchKey::flag_modseq`].
///
/// `OR` and `AND` of any number of keys stay flat (`a.or(b).or(c)` is one OR of three
/// alternatives, sent `OR OR a b c`), so that folding a long list of keys into one is
/// safe; a key nested deeper than [`MAX_SEARCH_DEPTH`] levels by NOT, groups, or ANDs and
/// ORs inside each other is refused when its command is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchKey {
    key: Key,
    /// Levels of the tree below and including the top: 1 for a single key, at most
    /// [`MAX_SEARCH_DEPTH`] (beyond it the key became [`Key::TooDeep`]).
    depth: u16,
}

/// How deeply a [`SearchKey`] may nest: each `NOT`, group, and OR or AND inside another
/// key is a level. Deeper keys are refused when their command is made
/// ([`ArgumentProblem::TooDeep`]), before anything is sent: their encoding, like their
/// cloning, comparing and dropping, walks the key recursively, and so does the server's
/// parser. A combination that would pass the limit keeps none of its parts, so no key
/// ever holds a deeper tree. An OR or AND of many keys is one level, whatever their number.
pub const MAX_SEARCH_DEPTH: usize = 100;

/// The keys. Extension point: a new key is a variant here, a constructor, and an arm in
/// [`Key::args`] (and in [`Key::check`] if it holds something to validate).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    /// A key without argument: `ALL`, `SEEN`, `NEW`…
    Bare(&'static str),
    /// A key with a string: `SUBJECT "x"`, `FROM "x"`…
    Text(&'static str, String),
    /// `HEADER field-name string`.
    Header(String, String),
    /// A key with a date: `SINCE 1-Feb-2024`…
    Date(&'static str, NaiveDate),
    /// `LARGER n` / `SMALLER n`.
    Size(&'static str, u64),
    /// `KEYWORD k` / `UNKEYWORD k`.
    Keyword(&'static str, Keyword),
    /// `UID set`.
    Uid(SequenceSet),
    /// A sequence set.
    Set(SequenceSet),
    /// `NOT key`.
    Not(Box<Key>),
    /// `OR a b`, for two or more alternatives: `OR OR a b c` for three (OR is binary on
    /// the wire; a flat list here keeps long ORs from nesting deeply in memory).
    Or(Vec<Key>),
    /// Keys that must all match: bare at the top of a command, parenthesised inside
    /// OR / NOT / a group.
    And(Vec<Key>),
    /// `(keys…)`, always parenthesised.
    Group(Vec<Key>),
    /// `MODSEQ ["/flags/flag" entry-type] n` (RFC 7162).
    ModSeq(Option<(Flag, EntryType)>, u64),
    /// `OLDER n` / `YOUNGER n` (RFC 5032), n ≥ 1 seconds.
    Within(&'static str, u32),
    /// What a combination deeper than [`MAX_SEARCH_DEPTH`] became: refused by `check`.
    TooDeep,
}

/// Whose metadata a `MODSEQ "/flags/…"` search key looks at (RFC 7162 §3.1.5
/// `entry-type-req`): a flag's private (per-user) or shared mod-sequence, or the larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryType {
    /// `priv`: the user's own copy of the flag.
    Private,
    /// `shared`: the copy all users share.
    Shared,
    /// `all`: the larger of both.
    All,
}

impl EntryType {
    /// The word on the wire: `priv`, `shared` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryType::Private => "priv",
            EntryType::Shared => "shared",
            EntryType::All => "all",
        }
    }
}

macro_rules! bare_keys {
    ($($(#[$doc:meta])* $name:ident => $atom:literal;)*) => {$(
        $(#[$doc])*
        pub fn $name() -> SearchKey {
            SearchKey::leaf(Key::Bare($atom))
        }
    )*};
}

macro_rules! text_keys {
    ($($(#[$doc:meta])* $name:ident => $atom:literal;)*) => {$(
        $(#[$doc])*
        #[allow(clippy::should_implement_trait)]
        pub fn $name(text: impl Into<String>) -> SearchKey {
            SearchKey::leaf(Key::Text($atom, text.into()))
        }
    )*};
}

macro_rules! date_keys {
    ($($(#[$doc:meta])* $name:ident => $atom:literal;)*) => {$(
        $(#[$doc])*
        pub fn $name(date: NaiveDate) -> SearchKey {
            SearchKey::leaf(Key::Date($atom, date))
        }
    )*};
}

impl SearchKey {
    bare_keys! {
        /// `ALL`: every message.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::all().to_string(), "ALL");
        /// ```
        all => "ALL";
        /// `ANSWERED`: messages with `\Answered`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::answered().to_string(), "ANSWERED");
        /// ```
        answered => "ANSWERED";
        /// `DELETED`: messages with `\Deleted`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::deleted().to_string(), "DELETED");
        /// ```
        deleted => "DELETED";
        /// `DRAFT`: messages with `\Draft`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::draft().to_string(), "DRAFT");
        /// ```
        draft => "DRAFT";
        /// `FLAGGED`: messages with `\Flagged`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::flagged().to_string(), "FLAGGED");
        /// ```
        flagged => "FLAGGED";
        /// `NEW`: recent and unseen (RFC 3501 only).
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::new_messages().to_string(), "NEW");
        /// ```
        new_messages => "NEW";
        /// `OLD`: not recent (RFC 3501 only).
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::old().to_string(), "OLD");
        /// ```
        old => "OLD";
        /// `RECENT`: messages with `\Recent` (RFC 3501 only).
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::recent().to_string(), "RECENT");
        /// ```
        recent => "RECENT";
        /// `SEEN`: messages with `\Seen`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::seen().to_string(), "SEEN");
        /// ```
        seen => "SEEN";
        /// `UNANSWERED`: messages without `\Answered`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::unanswered().to_string(), "UNANSWERED");
        /// ```
        unanswered => "UNANSWERED";
        /// `UNDELETED`: messages without `\Deleted`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::undeleted().to_string(), "UNDELETED");
        /// ```
        undeleted => "UNDELETED";
        /// `UNDRAFT`: messages without `\Draft`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::undraft().to_string(), "UNDRAFT");
        /// ```
        undraft => "UNDRAFT";
        /// `UNFLAGGED`: messages without `\Flagged`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::unflagged().to_string(), "UNFLAGGED");
        /// ```
        unflagged => "UNFLAGGED";
        /// `UNSEEN`: messages without `\Seen`.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::unseen().to_string(), "UNSEEN");
        /// ```
        unseen => "UNSEEN";
    }

    text_keys! {
        /// `BCC "text"`: the Bcc header contains the text.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::bcc("boss").to_string(), "BCC \"boss\"");
        /// ```
        bcc => "BCC";
        /// `BODY "text"`: the body contains the text.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::body("invoice").to_string(), "BODY \"invoice\"");
        /// ```
        body => "BODY";
        /// `CC "text"`: the Cc header contains the text.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::cc("team").to_string(), "CC \"team\"");
        /// ```
        cc => "CC";
        /// `FROM "text"`: the From header contains the text. (Named `from` as IMAP does; it
        /// is not `From::from`.)
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::from("alice").to_string(), "FROM \"alice\"");
        /// ```
        from => "FROM";
        /// `SUBJECT "text"`: the Subject header contains the text.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::subject("Grüße").to_string(), "SUBJECT {7}\r\nGrüße");
        /// ```
        subject => "SUBJECT";
        /// `TEXT "text"`: the header or body contains the text.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::text("say \"hi\"").to_string(), "TEXT \"say \\\"hi\\\"\"");
        /// ```
        text => "TEXT";
        /// `TO "text"`: the To header contains the text.
        ///
        /// ```
        /// # use imaplib_proto::build::SearchKey;
        /// assert_eq!(SearchKey::to("bob").to_string(), "TO \"bob\"");
        /// ```
        to => "TO";
    }

    date_keys! {
        /// `BEFORE date`: internal date earlier than the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        /// assert_eq!(SearchKey::before(day).to_string(), "BEFORE 1-Feb-2024");
        /// ```
        before => "BEFORE";
        /// `ON date`: internal date within the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2024, 12, 24).unwrap();
        /// assert_eq!(SearchKey::on(day).to_string(), "ON 24-Dec-2024");
        /// ```
        on => "ON";
        /// `SINCE date`: internal date within or later than the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        /// assert_eq!(SearchKey::since(day).to_string(), "SINCE 10-Mar-2025");
        /// ```
        since => "SINCE";
        /// `SENTBEFORE date`: Date header earlier than the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        /// assert_eq!(SearchKey::sent_before(day).to_string(), "SENTBEFORE 1-Feb-2024");
        /// ```
        sent_before => "SENTBEFORE";
        /// `SENTON date`: Date header within the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        /// assert_eq!(SearchKey::sent_on(day).to_string(), "SENTON 1-Feb-2024");
        /// ```
        sent_on => "SENTON";
        /// `SENTSINCE date`: Date header within or later than the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        /// assert_eq!(SearchKey::sent_since(day).to_string(), "SENTSINCE 1-Feb-2024");
        /// ```
        sent_since => "SENTSINCE";
        /// `SAVEDBEFORE date` (RFC 8514, SAVEDATE): saved in the mailbox before the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        /// assert_eq!(SearchKey::saved_before(day).to_string(), "SAVEDBEFORE 1-Feb-2024");
        /// ```
        saved_before => "SAVEDBEFORE";
        /// `SAVEDON date` (RFC 8514): saved in the mailbox on the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        /// assert_eq!(SearchKey::saved_on(day).to_string(), "SAVEDON 1-Feb-2024");
        /// ```
        saved_on => "SAVEDON";
        /// `SAVEDSINCE date` (RFC 8514): saved in the mailbox on or after the day.
        ///
        /// ```
        /// # use imaplib_proto::{build::SearchKey, chrono::NaiveDate};
        /// let day = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        /// assert_eq!(SearchKey::saved_since(day).to_string(), "SAVEDSINCE 1-Feb-2024");
        /// ```
        saved_since => "SAVEDSINCE";
    }

    /// `SAVEDATESUPPORTED` (RFC 8514): every message if the mailbox keeps save dates,
    /// none otherwise.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// assert_eq!(SearchKey::save_date_supported().to_string(), "SAVEDATESUPPORTED");
    /// ```
    pub fn save_date_supported() -> SearchKey {
        SearchKey::leaf(Key::Bare("SAVEDATESUPPORTED"))
    }

    /// `OLDER n` (RFC 5032, WITHIN): internal date more than `n` seconds ago (time
    /// precision, unlike `BEFORE`). `n` must be at least 1.
    ///
    /// ```
    /// # use imaplib_proto::{build::SearchKey, Command};
    /// assert_eq!(SearchKey::older(3600).to_string(), "OLDER 3600");
    /// assert!(Command::search_with(&SearchKey::older(0)).is_err());
    /// ```
    pub fn older(seconds: u32) -> SearchKey {
        SearchKey::leaf(Key::Within("OLDER", seconds))
    }

    /// `YOUNGER n` (RFC 5032, WITHIN): internal date at most `n` seconds ago. `n` must be
    /// at least 1.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// assert_eq!(SearchKey::younger(600).to_string(), "YOUNGER 600");
    /// ```
    pub fn younger(seconds: u32) -> SearchKey {
        SearchKey::leaf(Key::Within("YOUNGER", seconds))
    }

    /// `HEADER field-name "text"`: the header field contains the text (an empty text
    /// matches every message that has the field).
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// let key = SearchKey::header("Message-ID", "example.org");
    /// assert_eq!(key.to_string(), "HEADER \"Message-ID\" \"example.org\"");
    /// ```
    pub fn header(field: impl Into<String>, text: impl Into<String>) -> SearchKey {
        SearchKey::leaf(Key::Header(field.into(), text.into()))
    }

    /// `LARGER n`: RFC822.SIZE larger than `n` octets (RFC 9051 allows 64 bits; RFC 3501
    /// servers want `n` below 2³²).
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// assert_eq!(SearchKey::larger(1000).to_string(), "LARGER 1000");
    /// ```
    pub fn larger(n: u64) -> SearchKey {
        SearchKey::leaf(Key::Size("LARGER", n))
    }

    /// `SMALLER n`: RFC822.SIZE smaller than `n` octets.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// assert_eq!(SearchKey::smaller(512).to_string(), "SMALLER 512");
    /// ```
    pub fn smaller(n: u64) -> SearchKey {
        SearchKey::leaf(Key::Size("SMALLER", n))
    }

    /// `KEYWORD k`: messages with the keyword.
    ///
    /// ```
    /// # use imaplib_proto::build::{Keyword, SearchKey};
    /// assert_eq!(SearchKey::keyword(Keyword::new("$Important")?).to_string(), "KEYWORD $Important");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn keyword(keyword: Keyword) -> SearchKey {
        SearchKey::leaf(Key::Keyword("KEYWORD", keyword))
    }

    /// `UNKEYWORD k`: messages without the keyword.
    ///
    /// ```
    /// # use imaplib_proto::build::{Keyword, SearchKey};
    /// assert_eq!(SearchKey::unkeyword(Keyword::JUNK).to_string(), "UNKEYWORD $Junk");
    /// ```
    pub fn unkeyword(keyword: Keyword) -> SearchKey {
        SearchKey::leaf(Key::Keyword("UNKEYWORD", keyword))
    }

    /// Messages with the flag: `SEEN`, `ANSWERED`, …, `RECENT`, or `KEYWORD k`.
    ///
    /// ```
    /// # use imaplib_proto::build::{Flag, SearchKey};
    /// assert_eq!(SearchKey::has_flag(Flag::Seen).to_string(), "SEEN");
    /// assert_eq!(SearchKey::has_flag(Flag::keyword("Work")?).to_string(), "KEYWORD Work");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn has_flag(flag: Flag) -> SearchKey {
        match flag {
            Flag::Seen => Self::seen(),
            Flag::Answered => Self::answered(),
            Flag::Flagged => Self::flagged(),
            Flag::Deleted => Self::deleted(),
            Flag::Draft => Self::draft(),
            Flag::Recent => Self::recent(),
            Flag::Keyword(k) => Self::keyword(k),
        }
    }

    /// Messages without the flag: `UNSEEN`, `UNANSWERED`, …, `NOT RECENT`, or `UNKEYWORD k`.
    ///
    /// ```
    /// # use imaplib_proto::build::{Flag, SearchKey};
    /// assert_eq!(SearchKey::lacks_flag(Flag::Draft).to_string(), "UNDRAFT");
    /// assert_eq!(SearchKey::lacks_flag(Flag::Recent).to_string(), "NOT RECENT");
    /// ```
    pub fn lacks_flag(flag: Flag) -> SearchKey {
        match flag {
            Flag::Seen => Self::unseen(),
            Flag::Answered => Self::unanswered(),
            Flag::Flagged => Self::unflagged(),
            Flag::Deleted => Self::undeleted(),
            Flag::Draft => Self::undraft(),
            Flag::Recent => Self::not(Self::recent()),
            Flag::Keyword(k) => Self::unkeyword(k),
        }
    }

    /// `UID set`: messages with these UIDs (a SEARCH result, a range, `$`…). An empty set
    /// or one holding 0 makes the command constructor fail.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// assert_eq!(SearchKey::uid(3..=5).to_string(), "UID 3:5");
    /// ```
    pub fn uid(set: impl Into<SequenceSet>) -> SearchKey {
        SearchKey::leaf(Key::Uid(set.into()))
    }

    /// A sequence set: messages with these sequence numbers.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// # use imaplib_proto::SequenceSet;
    /// assert_eq!(SearchKey::seq(10..).to_string(), "10:*");
    /// assert_eq!(SearchKey::seq(SequenceSet::saved()).to_string(), "$");
    /// ```
    pub fn seq(set: impl Into<SequenceSet>) -> SearchKey {
        SearchKey::leaf(Key::Set(set.into()))
    }

    /// `MODSEQ n` (CONDSTORE, RFC 7162 §3.1.5): messages whose mod-sequence is at least
    /// `n` (0 to 2⁶³−1; a larger value makes the command constructor fail). Using it turns
    /// CONDSTORE on; the SEARCH answer then ends in `(MODSEQ m)`, the highest mod-sequence
    /// of the messages found (the typed `search` drops it).
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// assert_eq!(SearchKey::modseq(620162338).to_string(), "MODSEQ 620162338");
    /// assert!(imaplib_proto::Command::search_with(&SearchKey::modseq(u64::MAX)).is_err());
    /// ```
    pub fn modseq(n: u64) -> SearchKey {
        SearchKey::leaf(Key::ModSeq(None, n))
    }

    /// `MODSEQ "/flags/flag" entry-type n`: messages whose `flag` metadata changed at
    /// mod-sequence `n` or later.
    ///
    /// ```
    /// # use imaplib_proto::build::{EntryType, Flag, SearchKey};
    /// let key = SearchKey::flag_modseq(Flag::Seen, EntryType::All, 1);
    /// assert_eq!(key.to_string(), "MODSEQ \"/flags/\\\\Seen\" all 1");
    /// ```
    pub fn flag_modseq(flag: Flag, entry: EntryType, n: u64) -> SearchKey {
        SearchKey::leaf(Key::ModSeq(Some((flag, entry)), n))
    }

    /// `NOT key`. The same as `!key`.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// assert_eq!(SearchKey::not(SearchKey::from("x")).to_string(), "NOT FROM \"x\"");
    /// assert_eq!((!SearchKey::seen()).to_string(), "NOT SEEN");
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn not(key: SearchKey) -> SearchKey {
        SearchKey::node(Key::Not(Box::new(key.key)), key.depth)
    }

    /// Both keys must match (IMAP's implicit AND): bare at the top of the command,
    /// parenthesised inside OR, NOT or a group. The same as `self & other`.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// let lunch = SearchKey::subject("Lunch on Thursday").and(SearchKey::unseen());
    /// assert_eq!(lunch.to_string(), "SUBJECT \"Lunch on Thursday\" UNSEEN");
    /// assert_eq!((!lunch).to_string(), "NOT (SUBJECT \"Lunch on Thursday\" UNSEEN)");
    /// ```
    pub fn and(self, other: SearchKey) -> SearchKey {
        let (keys, below) = Self::join(self, other, |k| match k {
            Key::And(keys) => Ok(keys),
            k => Err(k),
        });
        SearchKey::node(Key::And(keys), below)
    }

    /// Either key matches: `OR a b`. The same as `self | other`.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// let key = SearchKey::answered().or(SearchKey::draft().and(SearchKey::seen()));
    /// assert_eq!(key.to_string(), "OR ANSWERED (DRAFT SEEN)");
    /// ```
    pub fn or(self, other: SearchKey) -> SearchKey {
        let (keys, below) = Self::join(self, other, |k| match k {
            Key::Or(keys) => Ok(keys),
            k => Err(k),
        });
        SearchKey::node(Key::Or(keys), below)
    }

    /// `(k1 k2 …)`: the keys, all of which must match, in explicit parentheses. An empty
    /// group is `ALL`.
    ///
    /// ```
    /// # use imaplib_proto::build::SearchKey;
    /// let g = SearchKey::group([SearchKey::seen(), SearchKey::larger(10)]);
    /// assert_eq!(g.to_string(), "(SEEN LARGER 10)");
    /// ```
    pub fn group(keys: impl IntoIterator<Item = SearchKey>) -> SearchKey {
        let mut below = 0;
        let keys: Vec<Key> = keys
            .into_iter()
            .map(|k| {
                below = below.max(k.depth);
                k.key
            })
            .collect();
        if keys.is_empty() {
            return Self::all();
        }
        SearchKey::node(Key::Group(keys), below)
    }

    /// A single key: one level.
    fn leaf(key: Key) -> SearchKey {
        SearchKey { key, depth: 1 }
    }

    /// A key one level above keys of at most `below` levels — or, past
    /// [`MAX_SEARCH_DEPTH`], [`Key::TooDeep`] in its place (what it would have held is
    /// dropped here, while still within the limit).
    fn node(key: Key, below: u16) -> SearchKey {
        if usize::from(below) >= MAX_SEARCH_DEPTH {
            return SearchKey::leaf(Key::TooDeep);
        }
        SearchKey {
            key,
            depth: below + 1,
        }
    }

    /// The parts of an AND or OR of `a` and `b`: a side of the same kind (`flat` gives its
    /// parts) is taken apart, so that the result stays one level; with the depth of the
    /// deepest part. A left fold (`keys.reduce(SearchKey::or)`) appends to the parts it
    /// has, in place.
    fn join(
        a: SearchKey,
        b: SearchKey,
        flat: impl Fn(Key) -> std::result::Result<Vec<Key>, Key>,
    ) -> (Vec<Key>, u16) {
        let (depth_a, depth_b) = (a.depth, b.depth);
        let (a, b) = (flat(a.key), flat(b.key));
        // A side taken apart gives its parts, one level below it.
        let below = (depth_a - u16::from(a.is_ok())).max(depth_b - u16::from(b.is_ok()));
        let keys = match (a, b) {
            (Ok(mut keys), Ok(more)) => {
                keys.extend(more);
                keys
            }
            (Ok(mut keys), Err(k)) => {
                keys.push(k);
                keys
            }
            (Err(k), Ok(mut keys)) => {
                keys.insert(0, k);
                keys
            }
            (Err(ka), Err(kb)) => vec![ka, kb],
        };
        (keys, below)
    }

    /// The search program: `(arguments, needs CHARSET UTF-8)`, after the checks the
    /// constructors leave to the command (NUL in text, dates without an IMAP form, empty
    /// sets or sets holding 0).
    pub(crate) fn program(&self) -> Result<(Vec<Arg>, bool)> {
        let mut eight_bit = false;
        self.key.check(&mut eight_bit)?;
        let mut out = Vec::new();
        self.key.args(&mut out, false);
        Ok((out, eight_bit))
    }

    /// The arguments with a `CHARSET UTF-8` first when a string holds 8-bit text (left out
    /// in UTF-8 mode).
    pub(crate) fn with_charset(&self) -> Result<Vec<Arg>> {
        let (args, eight_bit) = self.program()?;
        Ok(if eight_bit {
            std::iter::once(Arg::Utf8Charset).chain(args).collect()
        } else {
            args
        })
    }
}

impl SearchKey {
    /// True if the key uses `RECENT`, `NEW` or `OLD`, which IMAP4rev2 removed.
    pub(crate) fn uses_recent(&self) -> bool {
        self.key.uses_recent()
    }
}

impl Key {
    fn uses_recent(&self) -> bool {
        match self {
            Key::Bare(name) => matches!(*name, "RECENT" | "NEW" | "OLD"),
            Key::Not(k) => k.uses_recent(),
            Key::Or(keys) | Key::And(keys) | Key::Group(keys) => keys.iter().any(Key::uses_recent),
            _ => false,
        }
    }

    fn check(&self, eight_bit: &mut bool) -> Result<()> {
        let mut text = |s: &str| {
            encode::no_nul("search text", s.as_bytes())?;
            *eight_bit |= !s.is_ascii();
            Ok::<(), crate::Error>(())
        };
        match self {
            Key::Bare(_) | Key::Size(..) | Key::Keyword(..) => Ok(()),
            Key::ModSeq(_, n) => super::modseq_arg("the MODSEQ search key", *n, true).map(drop),
            Key::Text(_, s) => text(s),
            Key::Header(f, s) => {
                text(f)?;
                text(s)
            }
            Key::Date(_, d) => super::date(*d).map(drop),
            Key::Within(name, 0) => Err(crate::encode::arg_error(
                "the WITHIN interval",
                crate::error::ArgumentProblem::Zero,
                format!("{name} needs at least 1 second (RFC 5032 nz-number)"),
            )),
            Key::Within(..) => Ok(()),
            Key::Uid(set) | Key::Set(set) => set.check(),
            Key::Not(k) => k.check(eight_bit),
            Key::Or(keys) | Key::And(keys) | Key::Group(keys) => {
                keys.iter().try_for_each(|k| k.check(eight_bit))
            }
            Key::TooDeep => Err(crate::encode::arg_error(
                "the search key",
                ArgumentProblem::TooDeep,
                format!(
                    "a search key nests more than {MAX_SEARCH_DEPTH} levels deep (NOT, groups, \
                     OR and AND inside each other)"
                ),
            )),
        }
    }

    /// Appends the key's arguments; `nested` inside OR, NOT or a group.
    fn args(&self, out: &mut Vec<Arg>, nested: bool) {
        let atom = |s: &str| Arg::Atom(s.as_bytes().to_vec());
        let string = |s: &str| Arg::Quoted {
            bytes: s.as_bytes().to_vec(),
            secret: false,
        };
        match self {
            Key::Bare(name) => out.push(atom(name)),
            Key::Text(name, s) => out.extend([atom(name), string(s)]),
            Key::Header(f, s) => out.extend([atom("HEADER"), string(f), string(s)]),
            // Checked before: `program` runs `check` first; `Display` shows what it can.
            Key::Date(name, d) => out.extend([
                atom(name),
                atom(&super::date(*d).unwrap_or_else(|e| format!("<{e}>"))),
            ]),
            Key::Size(name, n) => out.extend([atom(name), atom(&n.to_string())]),
            Key::Within(name, n) => out.extend([atom(name), atom(&n.to_string())]),
            Key::Keyword(name, k) => out.extend([atom(name), atom(k.as_str())]),
            Key::Uid(set) => out.extend([atom("UID"), Arg::Atom(set.to_bytes())]),
            Key::Set(set) => out.push(Arg::Atom(set.to_bytes())),
            Key::Not(k) => {
                out.push(atom("NOT"));
                k.args(out, true);
            }
            Key::Or(keys) => {
                // OR is binary: OR OR a b c.
                out.extend((1..keys.len()).map(|_| atom("OR")));
                keys.iter().for_each(|k| k.args(out, true));
            }
            // Refused by `check` before anything is sent; `Display` shows where it was.
            Key::TooDeep => out.push(atom("<nested too deep>")),
            Key::And(keys) if nested && keys.len() > 1 => out.push(Self::group(keys)),
            Key::And(keys) => keys.iter().for_each(|k| k.args(out, true)),
            Key::Group(keys) => out.push(Self::group(keys)),
            Key::ModSeq(entry, n) => {
                out.push(atom("MODSEQ"));
                if let Some((flag, kind)) = entry {
                    out.push(string(&format!("/flags/{}", flag.as_str())));
                    out.push(atom(kind.as_str()));
                }
                out.push(atom(&n.to_string()));
            }
        }
    }

    fn group(keys: &[Key]) -> Arg {
        let mut inner = Vec::new();
        for k in keys {
            k.args(&mut inner, true);
        }
        Arg::Group(inner)
    }
}

impl fmt::Display for SearchKey {
    /// The key as sent in the default mode (without the `CHARSET UTF-8` that 8-bit text
    /// adds before it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        self.key.args(&mut out, false);
        f.write_str(&encode::preview(&out))
    }
}

impl std::ops::Not for SearchKey {
    type Output = SearchKey;

    /// `NOT key` ([`SearchKey::not`]).
    fn not(self) -> SearchKey {
        SearchKey::not(self)
    }
}

impl std::ops::BitAnd for SearchKey {
    type Output = SearchKey;

    /// [`SearchKey::and`].
    fn bitand(self, other: SearchKey) -> SearchKey {
        self.and(other)
    }
}

impl std::ops::BitOr for SearchKey {
    type Output = SearchKey;

    /// [`SearchKey::or`].
    fn bitor(self, other: SearchKey) -> SearchKey {
        self.or(other)
    }
}

/// A SORT key (RFC 5256; `DISPLAYFROM` and `DISPLAYTO` from RFC 5957, SORT=DISPLAY).
///
/// ```
/// use imaplib_proto::build::{SortCriterion, SortKey};
/// let by: [SortCriterion; 2] = [SortKey::Date.reverse(), SortKey::Subject.into()];
/// assert_eq!(by[0].to_string(), "REVERSE DATE");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortKey {
    /// `ARRIVAL`: internal date and time.
    Arrival,
    /// `CC`: first Cc address's mailbox.
    Cc,
    /// `DATE`: Date header.
    Date,
    /// `FROM`: first From address's mailbox.
    From,
    /// `SIZE`: RFC822.SIZE.
    Size,
    /// `SUBJECT`: base subject.
    Subject,
    /// `TO`: first To address's mailbox.
    To,
    /// `DISPLAYFROM`: first From address's display name (SORT=DISPLAY).
    DisplayFrom,
    /// `DISPLAYTO`: first To address's display name (SORT=DISPLAY).
    DisplayTo,
}

impl SortKey {
    /// The key's name on the wire.
    ///
    /// ```
    /// # use imaplib_proto::build::SortKey;
    /// assert_eq!(SortKey::DisplayFrom.as_str(), "DISPLAYFROM");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Arrival => "ARRIVAL",
            SortKey::Cc => "CC",
            SortKey::Date => "DATE",
            SortKey::From => "FROM",
            SortKey::Size => "SIZE",
            SortKey::Subject => "SUBJECT",
            SortKey::To => "TO",
            SortKey::DisplayFrom => "DISPLAYFROM",
            SortKey::DisplayTo => "DISPLAYTO",
        }
    }

    /// The key in reverse (descending) order: `REVERSE key`.
    ///
    /// ```
    /// # use imaplib_proto::build::SortKey;
    /// assert!(SortKey::Size.reverse().reverse);
    /// ```
    pub fn reverse(self) -> SortCriterion {
        SortCriterion {
            key: self,
            reverse: true,
        }
    }
}

/// One SORT criterion: a key, ascending or in reverse. `From<SortKey>` gives ascending.
///
/// ```
/// use imaplib_proto::build::{SortCriterion, SortKey};
/// let c = SortCriterion::from(SortKey::Arrival);
/// assert_eq!((c.to_string(), SortKey::Arrival.reverse().to_string()), ("ARRIVAL".into(), "REVERSE ARRIVAL".into()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortCriterion {
    /// The key.
    pub key: SortKey,
    /// Descending (`REVERSE`).
    pub reverse: bool,
}

impl From<SortKey> for SortCriterion {
    fn from(key: SortKey) -> Self {
        SortCriterion {
            key,
            reverse: false,
        }
    }
}

impl fmt::Display for SortCriterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reverse {
            f.write_str("REVERSE ")?;
        }
        f.write_str(self.key.as_str())
    }
}

/// `(c1 c2 …)` of SORT; at least one criterion.
pub(crate) fn sort_criteria(criteria: &[SortCriterion]) -> Result<Arg> {
    if criteria.is_empty() {
        return Err(arg_error(
            "sort criteria",
            ArgumentProblem::Empty,
            "SORT needs at least one criterion",
        ));
    }
    let mut items = Vec::new();
    for c in criteria {
        if c.reverse {
            items.push(Arg::Atom(b"REVERSE".to_vec()));
        }
        items.push(Arg::Atom(c.key.as_str().as_bytes().to_vec()));
    }
    Ok(Arg::Group(items))
}

/// A THREAD algorithm (RFC 5256).
///
/// ```
/// use imaplib_proto::build::ThreadAlgorithm;
/// assert_eq!(ThreadAlgorithm::References.as_str(), "REFERENCES");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThreadAlgorithm {
    /// `ORDEREDSUBJECT`: by base subject, then date.
    OrderedSubject,
    /// `REFERENCES`: by In-Reply-To and References headers.
    References,
}

impl ThreadAlgorithm {
    /// The algorithm's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadAlgorithm::OrderedSubject => "ORDEREDSUBJECT",
            ThreadAlgorithm::References => "REFERENCES",
        }
    }
}
