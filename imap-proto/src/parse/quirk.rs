//! Named server defects the parser and the session tolerate, and the set of those that
//! fired. This is the one catalogue: the session's [`crate::Diagnostics`] count quirks under
//! these names too.
//!
//! Policy (see the quirk catalogue): a defect is accepted only by a rule named here, each
//! with a test of its exact bytes called `quirk_<name>`; framing (literal counts, CRLF) is
//! never relaxed. Every parse records which rules fired in a [`Quirks`] set.

use std::fmt;

macro_rules! quirks {
    ($( $(#[$doc:meta])* $variant:ident = $bit:expr, $name:literal; )*) => {
        /// A server defect tolerated by a named rule.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Quirk {
            $( $(#[$doc])* $variant = $bit, )*
        }

        impl Quirk {
            /// Every quirk, in declaration order.
            pub const ALL: &'static [Quirk] = &[$(Quirk::$variant),*];

            /// The rule's name in snake case (also the suffix of its test, `quirk_<name>`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Quirk::$variant => $name,)*
                }
            }
        }
    };
}

quirks! {
    /// `* STATUS box (MESSAGES 1) ` — a space at the end of STATUS (Exchange, go-imap #540).
    TrailingSpaceStatus = 0, "trailing_space_status";
    /// `* CAPABILITY IMAP4rev1 IDLE ` — a space at the end of CAPABILITY.
    TrailingSpaceCapability = 1, "trailing_space_capability";
    /// `* SEARCH 7456 ` — a space at the end of SEARCH (Yahoo, imap_tools #97).
    TrailingSpaceSearch = 2, "trailing_space_search";
    /// `* ID ("name" "x") ` — a space at the end of ID.
    TrailingSpaceId = 3, "trailing_space_id";
    /// `(UID 19436 )` — a space before a closing parenthesis (qq.com, mail-api #209).
    SpaceBeforeParen = 4, "space_before_paren";
    /// `* OK [HIGHESTMODSEQ 1]`, `A1 OK`, `* BYE` — no SP and text after the status or the
    /// response code (Gmail, iCloud; imap-codec `quirk_missing_text`). The session
    /// tolerates it in a tagged status and counts it in [`crate::Diagnostics`].
    MissingText = 5, "missing_text";
    /// `\[test]`, `OIB-Seen-[Gmail]/All Mail` — a `]` inside a flag (Gmail, Dovecot 1.0).
    BracketInFlag = 6, "bracket_in_flag";
    /// `NIL` in a flag list: kept as the keyword `NIL`, which the grammar allows (Cyrus
    /// #947) and which some servers send for "no flag" (MailKit #953, #1042).
    NilFlag = 7, "nil_flag";
    /// A flag `\Word` that is not a system flag, or a `\` inside a keyword: some servers
    /// give keywords a backslash (MailKit #1906). Kept verbatim.
    BackslashKeyword = 8, "backslash_keyword";
    /// `NIL` as a body part's Content-Transfer-Encoding (imap-codec
    /// `quirk_body_fld_enc_nil_to_empty`); the field is `None`.
    NilBodyEncoding = 9, "nil_body_encoding";
    /// `(NIL NIL NIL NIL NIL "7BIT" 0 …)` — NIL media type/subtype (Exchange, MailKit
    /// #1415); the fields are `None`.
    NilMediaType = 10, "nil_media_type";
    /// `("boundary" NIL)` — NIL as a body parameter value (Mail.ru, imap-codec #700).
    NilParamValue = 11, "nil_param_value";
    /// `body-fld-lines` of `-1` (Dovecot, go-imap #534); read as 0.
    NegativeBodyLines = 12, "negative_body_lines";
    /// `MODSEQ (-1)` (Zoho, MailKit #1686); read as 0.
    NegativeModSeq = 13, "negative_mod_seq";
    /// A size written as a float, `9.3736e+06` (mail.ru, MailKit #1838); rounded.
    FloatNumber = 14, "float_number";
    /// `()` instead of NIL for an empty address list (Yahoo).
    EmptyAddressList = 15, "empty_address_list";
    /// Spaces between or around the addresses of a list (Yahoo, maddy; imap-codec
    /// `quirk_spaces_between_addresses`).
    SpacesInAddressList = 16, "spaces_in_address_list";
    /// `ENVELOPE (("date" …))` — an extra pair of parentheses (Domino, MailKit #943).
    ExtraEnvelopeParens = 17, "extra_envelope_parens";
    /// An ENVELOPE that ends after `bcc` or `in-reply-to` (MailKit #669, #932); the missing
    /// fields are `None`.
    MissingEnvelopeFields = 18, "missing_envelope_fields";
    /// `"TEXT" "HTML"" NIL` — an unescaped `"` inside an ENVELOPE or BODYSTRUCTURE string,
    /// accepted as MailKit does: a `"` followed by anything but SP, `)` or the end of the
    /// line is part of the string (MailKit #485).
    UnescapedQuote = 19, "unescaped_quote";
    /// `(NIL "alternative" ("boundary" "x") NIL NIL NIL)` — a multipart with no parts
    /// (Dovecot, MailKit #1393).
    EmptyMultipart = 20, "empty_multipart";
    /// Raw 8-bit bytes inside a quoted string (Proton Bridge, Dovecot relaying); the bytes
    /// are kept.
    EightBitQuoted = 21, "eight_bit_quoted";
    /// `* STATUS Sent Items (MESSAGES 0)` — an unquoted mailbox name with spaces
    /// (strato.de); the name runs to the last ` (`.
    UnquotedMailboxWithSpaces = 22, "unquoted_mailbox_with_spaces";
    /// Control characters such as TAB in an unquoted LIST/LSUB mailbox name (Exchange,
    /// MailKit #945).
    CtlInMailbox = 23, "ctl_in_mailbox";
    /// `* [COPYUID …] text` — a response code without `OK` (Exchange, MailKit #115); read as
    /// an untagged OK.
    CodeWithoutStatus = 24, "code_without_status";
    /// `[COPYUID 42  ]` — COPYUID with empty UID sets (Exchange, MailKit #555).
    EmptyCopyUidSets = 25, "empty_copy_uid_sets";
    /// `[Error="…" Service=Imap4]` — quoted text (possibly with `]`) inside a response code
    /// (Exchange, net-imap #597); kept as [`Code::Other`](super::Code::Other).
    QuotedTextInCode = 26, "quoted_text_in_code";
    /// `[UIDVALIDITY 0]`, `[UIDNEXT 0]`, `[UNSEEN 0]` where the grammar wants a non-zero
    /// number (MailKit #150, #1010, #34).
    ZeroInCode = 27, "zero_in_code";
    /// `* 0 FETCH (…)` (Courier, MailKit #428).
    ZeroFetchSeq = 28, "zero_fetch_seq";
    /// `+` with no SP and no text (imap-codec `quirk_empty_continue_req`).
    EmptyContinuation = 29, "empty_continuation";
    /// `NIL` for or inside X-GM-LABELS (Gmail, MailKit #244); dropped.
    NilGmailLabel = 30, "nil_gmail_label";
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Quirk`]s: which rules fired while parsing. Copy, allocation-free.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Quirks(u64);

impl Quirks {
    /// The empty set.
    pub const fn new() -> Self {
        Quirks(0)
    }

    /// Adds a quirk.
    #[inline]
    pub fn insert(&mut self, q: Quirk) {
        self.0 |= 1 << (q as u32);
    }

    /// True if the quirk fired.
    pub fn contains(&self, q: Quirk) -> bool {
        self.0 & (1 << (q as u32)) != 0
    }

    /// True if no quirk fired.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The quirks in the set, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = Quirk> + '_ {
        Quirk::ALL.iter().copied().filter(|q| self.contains(*q))
    }

    /// Adds every quirk of `other`.
    pub fn extend(&mut self, other: Quirks) {
        self.0 |= other.0;
    }
}

impl fmt::Debug for Quirks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Quirk::name)).finish()
    }
}

impl From<Quirk> for Quirks {
    fn from(q: Quirk) -> Self {
        let mut s = Quirks::new();
        s.insert(q);
        s
    }
}
