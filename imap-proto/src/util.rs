//! Module-level helpers of Python's `imaplib`, with `imaplib`'s exact outputs.
//!
//! | Python                 | Rust                                                  |
//! |------------------------|-------------------------------------------------------|
//! | `Int2AP`               | [`int2ap`]                                            |
//! | `ParseFlags`           | [`parse_flags`]                                       |
//! | `Internaldate2tuple`   | [`internaldate2tuple`] (and [`parse_internaldate`])   |
//! | `Time2Internaldate`    | [`time2internaldate`]                                 |
//!
//! Everything here is pure computation. The only environment dependence is the
//! local time zone (chrono's [`Local`], which honours the `TZ` environment
//! variable, including POSIX rule strings such as `STD-1DST,M3.2.0,M11.1.0`),
//! used where `imaplib` itself works in local time. Nothing reads the clock.
//!
//! chrono applies a POSIX `TZ` rule string to every year, while glibc (and so
//! CPython) ignores the DST rule before 1970; local renderings of such early
//! instants can differ by the DST amount under such a `TZ`.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use chrono::{
    DateTime, Datelike, FixedOffset, Local, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike,
};

/// English month abbreviations, independent of any locale (`imaplib.Months`).
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Seconds in a day; also the exclusive bound of a valid UTC offset.
const SECS_PER_DAY: i64 = 86_400;

// ---------------------------------------------------------------------------
// Int2AP
// ---------------------------------------------------------------------------

/// Converts an integer to `imaplib`'s "A-P" notation (`Int2AP`).
///
/// The absolute value is written in base 16 with the letters `A` (0) to `P`
/// (15) as digits, most significant first; `0` gives an empty vector. This is
/// how `imaplib` builds its random four-letter tag prefix from a number in
/// `4096..=65535`.
///
/// ```
/// use imaplib_proto::util::int2ap;
/// assert_eq!(int2ap(4096), b"BAAA");
/// assert_eq!(int2ap(-65535), b"PPPP");
/// assert_eq!(int2ap(0), b"");
/// ```
pub fn int2ap(num: i64) -> Vec<u8> {
    let mut n = num.unsigned_abs();
    let mut out = Vec::with_capacity(16);
    while n != 0 {
        // `n % 16` is below 16, so the cast cannot truncate.
        out.push(b'A' + (n % 16) as u8);
        n /= 16;
    }
    out.reverse();
    out
}

// ---------------------------------------------------------------------------
// Regex helpers shared by ParseFlags and Internaldate2tuple
// ---------------------------------------------------------------------------

/// End of the part of `resp` that a leading `.*` can cover: Python's `.` does
/// not match `\n`, so a `re.match` pattern starting with `.*` can only place
/// the rest of the pattern at offsets up to and including the first newline.
fn first_line_end(resp: &[u8]) -> usize {
    resp.iter().position(|&b| b == b'\n').unwrap_or(resp.len())
}

/// The whitespace set of Python's `bytes.split()` (note: includes `\x0b`,
/// which [`u8::is_ascii_whitespace`] does not).
fn is_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

// ---------------------------------------------------------------------------
// ParseFlags
// ---------------------------------------------------------------------------

/// Extracts the flags of a `FLAGS (...)` group (`imaplib.ParseFlags`).
///
/// This reproduces `re.match(rb'.*FLAGS \((?P<flags>[^\)]*)\)', resp)`
/// followed by `.split()`:
///
/// * the greedy `.*` makes the **last** `FLAGS (` on the first line win,
///   provided a `)` follows it somewhere (the `[^\)]*` group may run past
///   newlines); if none does, earlier occurrences are tried;
/// * the flags are the bytes up to the first `)` after that `FLAGS (`,
///   split on ASCII whitespace (space, `\t`, `\n`, `\r`, `\x0b`, `\x0c`);
/// * the match is case-sensitive, and no match gives an empty vector.
///
/// ```
/// use imaplib_proto::util::parse_flags;
/// let flags = parse_flags(br"1 (FLAGS (\Seen \Deleted))");
/// assert_eq!(flags, vec![&br"\Seen"[..], br"\Deleted"]);
/// assert!(parse_flags(b"1 (UID 7)").is_empty());
/// ```
pub fn parse_flags(resp: &[u8]) -> Vec<&[u8]> {
    const NEEDLE: &[u8] = b"FLAGS (";
    // A candidate start `p` needs a `)` at index >= p + NEEDLE.len().
    let Some(last_close) = resp.iter().rposition(|&b| b == b')') else {
        return Vec::new();
    };
    let Some(max_start) = last_close.checked_sub(NEEDLE.len()) else {
        return Vec::new();
    };
    let highest = first_line_end(resp).min(max_start);
    let Some(start) = (0..=highest).rev().find(|&p| resp[p..].starts_with(NEEDLE)) else {
        return Vec::new();
    };
    let body = &resp[start + NEEDLE.len()..];
    let end = body.iter().position(|&b| b == b')').unwrap_or(body.len());
    body[..end]
        .split(|&b| is_py_space(b))
        .filter(|flag| !flag.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------
// Internaldate2tuple
// ---------------------------------------------------------------------------

/// The groups of `imaplib.InternalDate`, as matched (the month is not yet
/// looked up).
#[derive(Debug, Clone, Copy)]
struct InternalDateFields {
    day: i64,
    mon: [u8; 3],
    year: i32,
    hour: i64,
    min: i64,
    sec: i64,
    /// Signed zone offset in seconds east of UTC (may exceed a day: the regex
    /// accepts `+9999`).
    zone: i64,
}

/// Value of an ASCII digit, or `None`.
fn digit(b: u8) -> Option<i64> {
    b.is_ascii_digit().then(|| i64::from(b - b'0'))
}

/// Value of two ASCII digits.
fn two_digits(s: &[u8]) -> Option<i64> {
    Some(digit(s[0])? * 10 + digit(s[1])?)
}

/// Matches `INTERNALDATE "DD-Mon-YYYY HH:MM:SS +HHMM"` at the start of `s`
/// exactly as the tail of `imaplib.InternalDate` does (no closing anchor).
fn internaldate_at(s: &[u8]) -> Option<InternalDateFields> {
    const PREFIX: &[u8] = b"INTERNALDATE \"";
    // PREFIX + `DD-Mon-YYYY HH:MM:SS +HHMM` + closing quote.
    const LEN: usize = 14 + 26 + 1;
    if s.len() < LEN || !s.starts_with(PREFIX) {
        return None;
    }
    let d = &s[PREFIX.len()..LEN];
    let fixed = [
        (2, b'-'),
        (6, b'-'),
        (11, b' '),
        (14, b':'),
        (17, b':'),
        (20, b' '),
        (26, b'"'),
    ];
    if fixed.iter().any(|&(i, c)| d[i] != c) {
        return None;
    }
    // day: `[ 0123][0-9]`; Python's int() accepts the leading space.
    let tens = match d[0] {
        b' ' => 0,
        b'0'..=b'3' => i64::from(d[0] - b'0'),
        _ => return None,
    };
    let day = tens * 10 + digit(d[1])?;
    // month: `[A-Z][a-z][a-z]`
    if !(d[3].is_ascii_uppercase() && d[4].is_ascii_lowercase() && d[5].is_ascii_lowercase()) {
        return None;
    }
    let year = two_digits(&d[7..9])? * 100 + two_digits(&d[9..11])?;
    let hour = two_digits(&d[12..14])?;
    let min = two_digits(&d[15..17])?;
    let sec = two_digits(&d[18..20])?;
    let sign = match d[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let zone = sign * (two_digits(&d[22..24])? * 3600 + two_digits(&d[24..26])? * 60);
    Some(InternalDateFields {
        day,
        mon: [d[3], d[4], d[5]],
        year: i32::try_from(year).ok()?,
        hour,
        min,
        sec,
        zone,
    })
}

/// `re.match` of `imaplib.InternalDate`: the greedy leading `.*` means the
/// last position on the first line where the tail matches wins.
fn match_internaldate(resp: &[u8]) -> Option<InternalDateFields> {
    (0..=first_line_end(resp))
        .rev()
        .find_map(|p| internaldate_at(&resp[p..]))
}

/// Parses an INTERNALDATE and returns `(UTC seconds, zone offset seconds)`,
/// computed like `calendar.timegm(fields) - zone`, so out-of-range fields
/// accepted by the regex (day `00`/`39`, hour `24`..`99`, second `60`, ...)
/// are normalised arithmetically exactly as Python does.
fn internaldate_epoch(resp: &[u8]) -> Option<(i64, i64)> {
    let f = match_internaldate(resp)?;
    let mon = MONTHS
        .iter()
        .position(|m| m.as_bytes() == f.mon.as_slice())?;
    // `calendar.timegm` goes through `datetime.date(year, month, 1)`, which
    // rejects year 0 with a ValueError.
    if f.year < 1 {
        return None;
    }
    // `mon` is below 12, so the cast cannot truncate.
    let first = NaiveDate::from_ymd_opt(f.year, mon as u32 + 1, 1)?;
    let first_secs = first.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    let utc = first_secs + (f.day - 1) * SECS_PER_DAY + f.hour * 3600 + f.min * 60 + f.sec - f.zone;
    Some((utc, f.zone))
}

/// Parses the `INTERNALDATE "..."` item of a FETCH response, keeping the zone
/// the server gave.
///
/// This is `imaplib.Internaldate2tuple` without the final conversion to local
/// time. The search follows `re.match` of
/// `.*INTERNALDATE "(?P<day>[ 0123][0-9])-(?P<mon>[A-Z][a-z][a-z])-(?P<year>\d{4}) (?P<hour>\d\d):(?P<min>\d\d):(?P<sec>\d\d) (?P<zonen>[-+])(?P<zoneh>\d\d)(?P<zonem>\d\d)"`:
/// the last match on the first line wins. Fields the regex accepts but a
/// calendar does not (day `00` or `31` in February, hour `24`, second `60`,
/// ...) are normalised like `calendar.timegm` does, so `31-Feb-2000` is
/// 2 March 2000.
///
/// Returns `None` when the pattern does not match, and also when:
/// * the month abbreviation is unknown — **`imaplib` raises `KeyError`
///   here; we deliberately return `None`**;
/// * the year is `0000` (`imaplib` raises `ValueError`);
/// * the zone is 24 hours or more (e.g. `+9999`), which the regex accepts but
///   [`FixedOffset`] cannot hold ([`internaldate2tuple`] still handles it).
///
/// ```
/// use imaplib_proto::util::parse_internaldate;
/// let dt = parse_internaldate(br#"25 (INTERNALDATE "01-Jan-2000 11:30:00 +1130")"#).unwrap();
/// assert_eq!(dt.timestamp(), 946_684_800);
/// assert_eq!(dt.offset().local_minus_utc(), 11 * 3600 + 30 * 60);
/// ```
pub fn parse_internaldate(resp: &[u8]) -> Option<DateTime<FixedOffset>> {
    let (utc, zone) = internaldate_epoch(resp)?;
    let offset = FixedOffset::east_opt(i32::try_from(zone).ok()?)?;
    Some(DateTime::from_timestamp(utc, 0)?.with_timezone(&offset))
}

/// Parses the `INTERNALDATE "..."` item of a FETCH response into local time
/// (`imaplib.Internaldate2tuple`).
///
/// `imaplib` returns a local `time.struct_time`; this returns the same
/// instant as a [`DateTime<Local>`]. Matching and normalisation are those of
/// [`parse_internaldate`], except that zones of 24 hours or more are accepted
/// here, as in Python (only the arithmetic uses them).
///
/// Returns `None` when the pattern does not match, for year `0000`, and for
/// an unknown month abbreviation (**where `imaplib` raises `KeyError`**).
pub fn internaldate2tuple(resp: &[u8]) -> Option<DateTime<Local>> {
    let (utc, _) = internaldate_epoch(resp)?;
    Some(DateTime::from_timestamp(utc, 0)?.with_timezone(&Local))
}

// ---------------------------------------------------------------------------
// Time2Internaldate
// ---------------------------------------------------------------------------

/// Error of [`time2internaldate`]; the messages are those of the `ValueError`s
/// (and, for timestamps, `OverflowError`s) Python raises for the same input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateError {
    /// A naive date-time was given: "date_time must be aware".
    NotAware,
    /// A string not wrapped in double quotes (or empty) was given:
    /// "date_time not of a known type".
    UnknownType,
    /// The (local) year is outside `1..=9999`, the range of Python's
    /// `datetime`: "year N is out of range".
    YearOutOfRange(i64),
    /// A [`TimeTuple`] field is out of range; the message names it as
    /// Python's `datetime` constructor does, e.g. "month must be in 1..12".
    InvalidField(&'static str),
    /// A UTC offset of a day or more (in seconds).
    OffsetOutOfRange(i64),
    /// An epoch timestamp that cannot be represented (including infinities).
    TimestampOutOfRange,
    /// A NaN epoch timestamp.
    InvalidTimestamp,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateError::NotAware => f.write_str("date_time must be aware"),
            DateError::UnknownType => f.write_str("date_time not of a known type"),
            DateError::YearOutOfRange(year) => write!(f, "year {year} is out of range"),
            DateError::InvalidField(msg) => f.write_str(msg),
            DateError::OffsetOutOfRange(_) => f.write_str(
                "offset must be a timedelta strictly between \
                 -timedelta(hours=24) and timedelta(hours=24)",
            ),
            DateError::TimestampOutOfRange => {
                f.write_str("timestamp out of range for platform time_t")
            }
            DateError::InvalidTimestamp => f.write_str("Invalid value NaN (not a number)"),
        }
    }
}

impl std::error::Error for DateError {}

/// The Rust counterpart of Python's `time.struct_time` / 9-tuple, as accepted
/// by [`time2internaldate`].
///
/// Fields use Python's conventions: `mon` is `1..=12`, `wday` is `0` for
/// Monday, `yday` is `1..=366`, `isdst` is `1` (DST), `0` (standard time) or
/// `-1` (unknown: resolved from the local zone). `wday` and `yday` are
/// ignored, as by `mktime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeTuple {
    /// Year, e.g. `2033`.
    pub year: i32,
    /// Month, `1..=12`.
    pub mon: i32,
    /// Day of the month, `1..=31`.
    pub mday: i32,
    /// Hour, `0..=23`.
    pub hour: i32,
    /// Minute, `0..=59`.
    pub min: i32,
    /// Second, `0..=59` (`datetime` rejects leap seconds).
    pub sec: i32,
    /// Day of the week, Monday is `0` (ignored).
    pub wday: i32,
    /// Day of the year, 1 January is `1` (ignored).
    pub yday: i32,
    /// DST flag: `1`, `0`, or `-1` for "resolve like `mktime`".
    pub isdst: i32,
    /// Offset east of UTC in seconds (`tm_gmtoff`); `None` for a plain
    /// 9-tuple or a `struct_time` made from a naive `datetime`.
    pub gmtoff: Option<i32>,
}

impl TimeTuple {
    /// The tuple of an aware date-time, like `time.localtime()` gives for the
    /// local zone: `gmtoff` is set, `isdst` is `-1` (unused when `gmtoff` is
    /// set).
    pub fn from_datetime<Tz: TimeZone>(dt: &DateTime<Tz>) -> TimeTuple {
        let gmtoff = dt.offset().fix().local_minus_utc();
        TimeTuple {
            gmtoff: Some(gmtoff),
            ..TimeTuple::from_naive(&dt.naive_local())
        }
    }

    /// The tuple of a naive date-time, like Python's `datetime.timetuple()`:
    /// `isdst` is `-1` and `gmtoff` is `None`.
    pub fn from_naive(dt: &NaiveDateTime) -> TimeTuple {
        // Calendar fields are small (month <= 12, ordinal <= 366, ...).
        let small = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        TimeTuple {
            year: dt.year(),
            mon: small(dt.month()),
            mday: small(dt.day()),
            hour: small(dt.hour()),
            min: small(dt.minute()),
            sec: small(dt.second()),
            wday: small(dt.weekday().num_days_from_monday()),
            yday: small(dt.ordinal()),
            isdst: -1,
            gmtoff: None,
        }
    }

    /// Validates the date and time fields like Python's `datetime(...)`.
    fn naive(&self) -> Result<NaiveDateTime, DateError> {
        if !(1..=9999).contains(&self.year) {
            return Err(DateError::YearOutOfRange(i64::from(self.year)));
        }
        let field = |v: i32, lo: i32, hi: i32, msg: &'static str| {
            u32::try_from(v)
                .ok()
                .filter(|_| (lo..=hi).contains(&v))
                .ok_or(DateError::InvalidField(msg))
        };
        let mon = field(self.mon, 1, 12, "month must be in 1..12")?;
        let day = u32::try_from(self.mday)
            .ok()
            .and_then(|d| NaiveDate::from_ymd_opt(self.year, mon, d))
            .ok_or(DateError::InvalidField("day is out of range for month"))?;
        let hour = field(self.hour, 0, 23, "hour must be in 0..23")?;
        let min = field(self.min, 0, 59, "minute must be in 0..59")?;
        let sec = field(self.sec, 0, 59, "second must be in 0..59")?;
        day.and_hms_opt(hour, min, sec)
            .ok_or(DateError::InvalidField("second must be in 0..59"))
    }
}

impl From<(i32, i32, i32, i32, i32, i32, i32, i32, i32)> for TimeTuple {
    /// A plain Python 9-tuple `(year, mon, mday, hour, min, sec, wday, yday,
    /// isdst)`; `gmtoff` is `None`.
    fn from(t: (i32, i32, i32, i32, i32, i32, i32, i32, i32)) -> TimeTuple {
        TimeTuple {
            year: t.0,
            mon: t.1,
            mday: t.2,
            hour: t.3,
            min: t.4,
            sec: t.5,
            wday: t.6,
            yday: t.7,
            isdst: t.8,
            gmtoff: None,
        }
    }
}

/// Every kind of input `imaplib.Time2Internaldate` accepts, for
/// [`time2internaldate`]. Usually built through the `From` impls.
#[derive(Debug, Clone, PartialEq)]
pub enum DateInput<'a> {
    /// Seconds since the epoch (Python `int`), rendered in local time.
    Timestamp(i64),
    /// Seconds since the epoch (Python `float`), rendered in local time;
    /// rounded to microseconds half-to-even, then truncated to seconds, as
    /// `datetime.fromtimestamp` + `strftime` do.
    TimestampF64(f64),
    /// A `struct_time` or 9-tuple.
    TimeTuple(TimeTuple),
    /// An aware `datetime`, rendered in its own offset.
    Aware(DateTime<FixedOffset>),
    /// A naive `datetime`: always rejected with [`DateError::NotAware`].
    Naive(NaiveDateTime),
    /// A string: returned unchanged if it starts and ends with `"`, rejected
    /// with [`DateError::UnknownType`] otherwise.
    Str(Cow<'a, str>),
}

impl From<i64> for DateInput<'_> {
    fn from(v: i64) -> Self {
        DateInput::Timestamp(v)
    }
}

impl From<i32> for DateInput<'_> {
    fn from(v: i32) -> Self {
        DateInput::Timestamp(i64::from(v))
    }
}

impl From<u32> for DateInput<'_> {
    fn from(v: u32) -> Self {
        DateInput::Timestamp(i64::from(v))
    }
}

impl From<f64> for DateInput<'_> {
    fn from(v: f64) -> Self {
        DateInput::TimestampF64(v)
    }
}

impl From<TimeTuple> for DateInput<'_> {
    fn from(v: TimeTuple) -> Self {
        DateInput::TimeTuple(v)
    }
}

impl From<(i32, i32, i32, i32, i32, i32, i32, i32, i32)> for DateInput<'_> {
    fn from(v: (i32, i32, i32, i32, i32, i32, i32, i32, i32)) -> Self {
        DateInput::TimeTuple(v.into())
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for DateInput<'_> {
    /// Any aware date-time (`Utc`, `Local`, `FixedOffset`, ...).
    fn from(v: DateTime<Tz>) -> Self {
        DateInput::Aware(v.fixed_offset())
    }
}

impl From<NaiveDateTime> for DateInput<'_> {
    fn from(v: NaiveDateTime) -> Self {
        DateInput::Naive(v)
    }
}

impl<'a> From<&'a str> for DateInput<'a> {
    fn from(v: &'a str) -> Self {
        DateInput::Str(Cow::Borrowed(v))
    }
}

impl From<String> for DateInput<'_> {
    fn from(v: String) -> Self {
        DateInput::Str(Cow::Owned(v))
    }
}

impl<'a> From<Cow<'a, str>> for DateInput<'a> {
    fn from(v: Cow<'a, str>) -> Self {
        DateInput::Str(v)
    }
}

/// Formats a date-time as an IMAP date-time (`imaplib.Time2Internaldate`):
/// `"DD-Mon-YYYY HH:MM:SS +HHMM"`, **including** the double quotes, with
/// English month names regardless of locale.
///
/// Accepted inputs (see [`DateInput`]):
/// * epoch seconds (`i64`, `i32`, `u32`, `f64`): rendered in the local zone;
/// * a [`TimeTuple`] or 9-tuple: its `gmtoff` when set; otherwise the local
///   zone's standard or DST offset chosen by `isdst` (`-1` resolved like
///   `mktime`: in a DST gap the offset after the transition; in the repeated
///   hour the earlier instant, i.e. DST — glibc's own choice there depends on
///   its previous `mktime` calls, and this is what a fresh process gets);
/// * an aware [`DateTime`] (any zone): rendered in its own offset;
/// * a [`NaiveDateTime`]: error "date_time must be aware";
/// * a string starting and ending with `"`: returned unchanged; any other
///   string: error "date_time not of a known type".
///
/// Differences from CPython, all on unusual input:
/// * the year is always four digits (`"01-Jan-0033 ..."`), as in current
///   CPython; Python ≤ 3.12 on glibc printed `33`;
/// * without `gmtoff`, the standard/DST offsets are taken from the local
///   zone in January and July **of the tuple's year**; CPython uses the
///   current year (`time.timezone`/`time.altzone`). They differ only for
///   zones whose rules changed in between. An `isdst` above `1` counts as
///   DST and below `-1` as unknown (Python would index a tuple with it);
/// * an empty string is [`DateError::UnknownType`] (Python: `IndexError`).
///
/// Like Python's `%z`, an offset with a seconds part is written `+HHMMSS`.
///
/// ```
/// use chrono::{FixedOffset, TimeZone};
/// use imaplib_proto::util::time2internaldate;
/// let dt = FixedOffset::east_opt(7200).unwrap()
///     .with_ymd_and_hms(2033, 5, 18, 5, 33, 20).unwrap();
/// assert_eq!(time2internaldate(dt).unwrap(), r#""18-May-2033 05:33:20 +0200""#);
/// assert_eq!(time2internaldate(r#""as is""#).unwrap(), r#""as is""#);
/// ```
pub fn time2internaldate<'a>(input: impl Into<DateInput<'a>>) -> Result<String, DateError> {
    let dt = match input.into() {
        DateInput::Timestamp(secs) => local_from_timestamp(secs)?,
        DateInput::TimestampF64(secs) => local_from_timestamp(float_timestamp_secs(secs)?)?,
        DateInput::TimeTuple(tt) => {
            let naive = tt.naive()?;
            let gmtoff = match tt.gmtoff {
                Some(g) => i64::from(g),
                None => i64::from(local_tuple_offset(&tt, &naive)),
            };
            let offset = i32::try_from(gmtoff)
                .ok()
                .and_then(FixedOffset::east_opt)
                .ok_or(DateError::OffsetOutOfRange(gmtoff))?;
            offset
                .from_local_datetime(&naive)
                .single()
                .ok_or(DateError::TimestampOutOfRange)?
        }
        DateInput::Aware(dt) => dt,
        DateInput::Naive(_) => return Err(DateError::NotAware),
        DateInput::Str(s) => {
            return if s.starts_with('"') && s.ends_with('"') {
                Ok(s.into_owned())
            } else {
                Err(DateError::UnknownType)
            };
        }
    };
    format_internaldate(&dt)
}

/// Whole seconds of a float timestamp as `datetime.fromtimestamp` sees them:
/// microseconds rounded half-to-even, then (via `strftime`) floored.
fn float_timestamp_secs(secs: f64) -> Result<i64, DateError> {
    if secs.is_nan() {
        return Err(DateError::InvalidTimestamp);
    }
    let mut whole = secs.trunc();
    let micros = ((secs - whole) * 1e6).round_ties_even();
    if micros >= 1e6 {
        whole += 1.0;
    } else if micros < 0.0 {
        whole -= 1.0;
    }
    // i64::MAX as f64 rounds up to 2^63, hence the strict upper bound.
    if !(whole >= i64::MIN as f64 && whole < i64::MAX as f64) {
        return Err(DateError::TimestampOutOfRange);
    }
    // In range and integral, so the cast is exact.
    Ok(whole as i64)
}

/// `datetime.fromtimestamp(secs, timezone.utc).astimezone()`.
fn local_from_timestamp(secs: i64) -> Result<DateTime<FixedOffset>, DateError> {
    let utc = DateTime::from_timestamp(secs, 0).ok_or(DateError::TimestampOutOfRange)?;
    Ok(utc.with_timezone(&Local).fixed_offset())
}

/// The local offset `imaplib` assigns to a tuple without `tm_gmtoff`.
fn local_tuple_offset(tt: &TimeTuple, naive: &NaiveDateTime) -> i32 {
    let offset_at = |month: u32| {
        NaiveDate::from_ymd_opt(naive.year(), month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|utc| Local.offset_from_utc_datetime(&utc).local_minus_utc())
    };
    // `time.timezone`/`time.altzone`: the smaller of the January and July
    // offsets is standard time, the larger DST (so the southern hemisphere
    // works too). Both exist for years 1..=9999, which `naive()` ensures.
    let (Some(jan), Some(jul)) = (offset_at(1), offset_at(7)) else {
        return Local.offset_from_utc_datetime(naive).local_minus_utc();
    };
    let (std, dst) = (jan.min(jul), jan.max(jul));
    if std == dst {
        // `time.daylight == 0`: always the standard offset.
        return std;
    }
    let is_dst = match tt.isdst {
        d if d > 0 => true,
        0 => false,
        // `time.localtime(time.mktime(tt)).tm_isdst`.
        _ => resolve_local_offset(naive, std) == dst,
    };
    if is_dst {
        dst
    } else {
        std
    }
}

/// The offset `mktime` (glibc) settles on for a local time with
/// `tm_isdst == -1`: the only valid one; the earlier instant (larger offset)
/// when the time is ambiguous; and in a gap the offset after the transition,
/// as `mktime` reads the time with the offset before it (`std_off`).
fn resolve_local_offset(naive: &NaiveDateTime, std_off: i32) -> i32 {
    let utc_of = |off: i32| naive.checked_sub_signed(chrono::TimeDelta::seconds(i64::from(off)));
    let valid = |off: i32| {
        utc_of(off).is_some_and(|utc| Local.offset_from_utc_datetime(&utc).local_minus_utc() == off)
    };
    // chrono's answer, re-checked: at the exact instant of a transition it
    // may offer an offset that does not map back to the same local time.
    let (a, b) = match Local.offset_from_local_datetime(naive) {
        chrono::LocalResult::Single(o) => (Some(o), None),
        chrono::LocalResult::Ambiguous(a, b) => (Some(a), Some(b)),
        chrono::LocalResult::None => (None, None),
    };
    let best = [a, b]
        .into_iter()
        .flatten()
        .map(|o| o.local_minus_utc())
        .filter(|&o| valid(o))
        .max();
    best.unwrap_or_else(|| {
        utc_of(std_off)
            .map(|utc| Local.offset_from_utc_datetime(&utc).local_minus_utc())
            .unwrap_or(std_off)
    })
}

/// `dt.strftime('"%d-{Mon}-%Y %H:%M:%S %z"')`.
fn format_internaldate(dt: &DateTime<FixedOffset>) -> Result<String, DateError> {
    let year = dt.year();
    if !(1..=9999).contains(&year) {
        return Err(DateError::YearOutOfRange(i64::from(year)));
    }
    let month = MONTHS.get(dt.month0() as usize).copied().unwrap_or("???");
    let off = dt.offset().local_minus_utc();
    let sign = if off < 0 { '-' } else { '+' };
    let abs = off.unsigned_abs();
    let (oh, om, os) = (abs / 3600, abs % 3600 / 60, abs % 60);
    let mut out = format!(
        "\"{:02}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}",
        dt.day(),
        month,
        year,
        dt.hour(),
        dt.minute(),
        dt.second(),
        sign,
        oh,
        om
    );
    if os != 0 {
        // Writing to a String cannot fail.
        let _ = write!(out, "{os:02}");
    }
    out.push('"');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use proptest::prelude::*;

    /// Environment variable marking a child process started by
    /// [`run_tz_child`]; the `#[ignore]`d inner tests do nothing without it.
    const CHILD_MARKER: &str = "IMAPLIB_PROTO_UTIL_TZ_CHILD";

    /// Re-runs this test binary with `TZ` set, selecting exactly the
    /// `#[ignore]`d test `name` of this module, and asserts it passed.
    /// Setting `TZ` in-process would race with the other tests.
    fn run_tz_child(name: &str, tz: &str) {
        let module = module_path!()
            .split_once("::")
            .map_or(module_path!(), |(_, rest)| rest);
        let filter = format!("{module}::{name}");
        let exe = std::env::current_exe().expect("path of the test binary");
        let out = std::process::Command::new(exe)
            .args(["--ignored", "--exact", "--test-threads=1", &filter])
            .env("TZ", tz)
            .env("LC_ALL", "de_DE.UTF-8")
            .env(CHILD_MARKER, "1")
            .output()
            .expect("spawn the test binary");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "child {filter} with TZ={tz} failed:\n{stdout}\n{stderr}"
        );
        assert!(
            stdout.contains("1 passed"),
            "child filter {filter} did not select exactly one test:\n{stdout}"
        );
    }

    fn in_tz_child() -> bool {
        std::env::var_os(CHILD_MARKER).is_some()
    }

    fn ap2int(ap: &[u8]) -> u64 {
        ap.iter().fold(0u64, |acc, &c| {
            assert!((b'A'..=b'P').contains(&c));
            acc * 16 + u64::from(c - b'A')
        })
    }

    // -- Int2AP -----------------------------------------------------------

    #[test]
    fn int2ap_values() {
        assert_eq!(int2ap(0), b"");
        assert_eq!(int2ap(1), b"B");
        assert_eq!(int2ap(15), b"P");
        assert_eq!(int2ap(16), b"BA");
        assert_eq!(int2ap(4096), b"BAAA");
        assert_eq!(int2ap(65535), b"PPPP");
        assert_eq!(int2ap(-4096), b"BAAA");
        assert_eq!(int2ap(i64::MIN), b"IAAAAAAAAAAAAAAA");
        assert_eq!(int2ap(i64::MAX), b"HPPPPPPPPPPPPPPP");
    }

    // -- ParseFlags -------------------------------------------------------

    #[test]
    fn parse_flags_cases() {
        let v = parse_flags;
        assert_eq!(
            v(br"1 (FLAGS (\Seen \Answered))"),
            vec![&br"\Seen"[..], br"\Answered"]
        );
        // Greedy `.*`: the last FLAGS group wins ...
        assert_eq!(v(b"x FLAGS (a) FLAGS (b)"), vec![&b"b"[..]]);
        assert_eq!(v(b"FLAGS (a FLAGS (b)"), vec![&b"b"[..]]);
        // ... unless no `)` follows it.
        assert_eq!(v(b"FLAGS (a) FLAGS (b"), vec![&b"a"[..]]);
        // `.` does not cross a newline, `[^)]` does.
        assert!(v(b"x\nFLAGS (a)").is_empty());
        assert_eq!(v(b"FLAGS (a) x\nFLAGS (b)"), vec![&b"a"[..]]);
        assert_eq!(v(b"FLAGS (a\nb)"), vec![&b"a"[..], b"b"]);
        assert_eq!(v(b"FLAGS (a\nFLAGS (b)"), vec![&b"a"[..], b"FLAGS", b"(b"]);
        // Python's bytes whitespace includes \x0b and \x0c.
        assert_eq!(
            v(b"FLAGS (a\x0bb\x0cc\td\re)"),
            vec![&b"a"[..], b"b", b"c", b"d", b"e"]
        );
        assert!(v(b"FLAGS ()").is_empty());
        assert!(v(b"flags (a)").is_empty());
        assert!(v(b"").is_empty());
        assert!(v(b")").is_empty());
        assert!(v(b"FLAGS (").is_empty());
    }

    // -- Internaldate2tuple ---------------------------------------------

    /// test_Internaldate2tuple: all three responses are 2000-01-01T00:00Z
    /// (CPython compares `time.mktime(tt)`, i.e. the instant).
    fn check_internaldate2tuple() {
        let t0 = 946_684_800;
        for resp in [
            &br#"25 (INTERNALDATE "01-Jan-2000 00:00:00 +0000")"#[..],
            br#"25 (INTERNALDATE "01-Jan-2000 11:30:00 +1130")"#,
            br#"25 (INTERNALDATE "31-Dec-1999 12:30:00 -1130")"#,
        ] {
            let local = internaldate2tuple(resp).expect("parses");
            assert_eq!(local.timestamp(), t0);
            assert_eq!(parse_internaldate(resp).expect("parses").timestamp(), t0);
        }
    }

    #[test]
    fn internaldate2tuple_machine_tz() {
        check_internaldate2tuple();
    }

    #[test]
    fn internaldate2tuple_mst() {
        run_tz_child("child_internaldate2tuple", "MST+07MDT,M4.1.0,M10.5.0");
    }

    #[test]
    #[ignore = "run by internaldate2tuple_mst in a child process with TZ set"]
    fn child_internaldate2tuple() {
        if in_tz_child() {
            check_internaldate2tuple();
        }
    }

    #[test]
    fn internaldate2tuple_issue10941() {
        run_tz_child(
            "child_internaldate2tuple_issue10941",
            "MST+07MDT,M4.1.0,M10.5.0",
        );
    }

    #[test]
    #[ignore = "run by internaldate2tuple_issue10941 in a child process with TZ set"]
    fn child_internaldate2tuple_issue10941() {
        if !in_tz_child() {
            return;
        }
        let a = internaldate2tuple(br#"25 (INTERNALDATE "02-Apr-2000 02:30:00 +0000")"#)
            .expect("parses");
        let b = internaldate2tuple(br#"25 (INTERNALDATE "02-Apr-2000 03:30:00 +0000")"#)
            .expect("parses");
        assert_ne!(a.naive_local(), b.naive_local());
        // Python: (2000, 4, 1, 19, 30, 0, ...) and (2000, 4, 1, 20, 30, 0, ...)
        let naive = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(a.naive_local(), naive("2000-04-01 19:30:00"));
        assert_eq!(b.naive_local(), naive("2000-04-01 20:30:00"));
        // And chrono honours the POSIX rule: MDT (-6h) in July, MST in January.
        let off = |s: &str| {
            Local
                .from_utc_datetime(&naive(s))
                .offset()
                .local_minus_utc()
        };
        assert_eq!(off("2000-07-01 00:00:00"), -6 * 3600);
        assert_eq!(off("2000-01-01 00:00:00"), -7 * 3600);
        // First Sunday of April 2000 (the 2nd) at 02:00 MST = 09:00Z.
        assert_eq!(off("2000-04-02 08:59:59"), -7 * 3600);
        assert_eq!(off("2000-04-02 09:00:00"), -6 * 3600);
    }

    #[test]
    fn internaldate_regex_semantics() {
        let ts = |s: &[u8]| parse_internaldate(s).map(|d| d.timestamp());
        // Last match on the first line wins (greedy `.*`).
        assert_eq!(
            ts(br#"INTERNALDATE "01-Jan-2000 00:00:00 +0000" INTERNALDATE "02-Jan-2000 00:00:00 +0000""#),
            Some(946_771_200)
        );
        // ... but only a full match counts.
        assert_eq!(
            ts(br#"INTERNALDATE "01-Jan-2000 00:00:00 +0000" INTERNALDATE "02-Jan-2000 00:00:00 +000""#),
            Some(946_684_800)
        );
        assert_eq!(ts(b"x\nINTERNALDATE \"01-Jan-2000 00:00:00 +0000\""), None);
        // No closing anchor after the quote.
        assert_eq!(
            ts(b"INTERNALDATE \"01-Jan-2000 00:00:00 +0000\"trailing\nmore"),
            Some(946_684_800)
        );
        // Missing closing quote, lowercase keyword, bad day digit.
        assert_eq!(ts(b"INTERNALDATE \"01-Jan-2000 00:00:00 +0000"), None);
        assert_eq!(ts(b"internaldate \"01-Jan-2000 00:00:00 +0000\""), None);
        assert_eq!(ts(b"INTERNALDATE \"41-Jan-2000 00:00:00 +0000\""), None);
        // timegm normalisation, values from Python 3.11.
        assert_eq!(
            ts(b"INTERNALDATE \"00-Jan-2000 00:00:00 +0000\""),
            Some(946_598_400)
        );
        assert_eq!(
            ts(b"INTERNALDATE \"31-Feb-2000 24:60:60 +0000\""),
            Some(952_045_260)
        );
        assert_eq!(
            ts(b"INTERNALDATE \" 1-Jan-2000 00:00:00 +0000\""),
            Some(946_684_800)
        );
        // Unknown month (Python: KeyError) and year 0 (Python: ValueError).
        assert_eq!(ts(b"INTERNALDATE \"01-Xyz-2000 00:00:00 +0000\""), None);
        assert_eq!(
            internaldate2tuple(b"INTERNALDATE \"01-Xyz-2000 00:00:00 +0000\""),
            None
        );
        assert_eq!(ts(b"INTERNALDATE \"01-Jan-0000 00:00:00 +0000\""), None);
        // A zone of a day or more: only the Local variant accepts it.
        let big = b"INTERNALDATE \" 1-Jan-2000 00:00:00 +9999\"";
        assert_eq!(ts(big), None);
        assert_eq!(
            internaldate2tuple(big).map(|d| d.timestamp()),
            Some(946_322_460)
        );
        // The zone is kept.
        let dt = parse_internaldate(b"INTERNALDATE \"31-Dec-1999 12:30:00 -1130\"").unwrap();
        assert_eq!(dt.offset().local_minus_utc(), -(11 * 3600 + 30 * 60));
    }

    // -- Time2Internaldate ------------------------------------------------

    const EXPECTED: &str = r#""18-May-2033 05:33:20 +0200""#;

    /// CPython's `timevalues()` plus the naive-`timetuple()` case.
    fn check_time2internaldate_timevalues() {
        let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
        let localtime = Local.timestamp_opt(2_000_000_000, 0).unwrap();
        let naive =
            NaiveDateTime::parse_from_str("2033-05-18 05:33:20", "%Y-%m-%d %H:%M:%S").unwrap();
        let values: Vec<DateInput<'_>> = vec![
            2_000_000_000.into(),
            2_000_000_000.0.into(),
            TimeTuple::from_datetime(&localtime).into(),
            (2033, 5, 18, 5, 33, 20, -1, -1, -1).into(),
            (2033, 5, 18, 5, 33, 20, -1, -1, 1).into(),
            plus2.timestamp_opt(2_000_000_000, 0).unwrap().into(),
            EXPECTED.into(),
            // test_Time2Internaldate_datetime_timetuple
            TimeTuple::from_naive(&naive).into(),
        ];
        for v in values {
            let shown = format!("{v:?}");
            assert_eq!(time2internaldate(v).as_deref(), Ok(EXPECTED), "{shown}");
        }
    }

    #[test]
    fn time2internaldate_std_dst() {
        run_tz_child("child_time2internaldate", "STD-1DST,M3.2.0,M11.1.0");
    }

    #[test]
    #[ignore = "run by time2internaldate_std_dst in a child process with TZ set"]
    fn child_time2internaldate() {
        if !in_tz_child() {
            return;
        }
        check_time2internaldate_timevalues();
        // Further cases, expected values from Python 3.11 with the same TZ.
        let t = |v: DateInput<'_>| time2internaldate(v).unwrap();
        let tt = |t: (i32, i32, i32, i32, i32, i32, i32, i32, i32)| DateInput::from(t);
        assert_eq!(
            t(tt((2033, 5, 18, 5, 33, 20, -1, -1, 0))),
            r#""18-May-2033 05:33:20 +0100""#
        );
        assert_eq!(
            t(tt((2033, 1, 18, 5, 33, 20, -1, -1, 1))),
            r#""18-Jan-2033 05:33:20 +0200""#
        );
        // Gap (spring forward on 13 March 2033) and overlap (6 November).
        assert_eq!(
            t(tt((2033, 3, 13, 1, 30, 0, 0, 0, -1))),
            r#""13-Mar-2033 01:30:00 +0100""#
        );
        assert_eq!(
            t(tt((2033, 3, 13, 2, 30, 0, 0, 0, -1))),
            r#""13-Mar-2033 02:30:00 +0200""#
        );
        assert_eq!(
            t(tt((2033, 3, 13, 3, 30, 0, 0, 0, -1))),
            r#""13-Mar-2033 03:30:00 +0200""#
        );
        assert_eq!(
            t(tt((2033, 11, 6, 0, 30, 0, 0, 0, -1))),
            r#""06-Nov-2033 00:30:00 +0200""#
        );
        assert_eq!(
            t(tt((2033, 11, 6, 1, 30, 0, 0, 0, -1))),
            r#""06-Nov-2033 01:30:00 +0200""#
        );
        assert_eq!(
            t(tt((2033, 11, 6, 2, 30, 0, 0, 0, -1))),
            r#""06-Nov-2033 02:30:00 +0100""#
        );
        // Exactly at the transitions.
        assert_eq!(
            t(tt((2033, 3, 13, 1, 59, 59, 0, 0, -1))),
            r#""13-Mar-2033 01:59:59 +0100""#
        );
        assert_eq!(
            t(tt((2033, 3, 13, 2, 0, 0, 0, 0, -1))),
            r#""13-Mar-2033 02:00:00 +0200""#
        );
        assert_eq!(
            t(tt((2033, 3, 13, 3, 0, 0, 0, 0, -1))),
            r#""13-Mar-2033 03:00:00 +0200""#
        );
        assert_eq!(
            t(tt((2033, 11, 6, 1, 0, 0, 0, 0, -1))),
            r#""06-Nov-2033 01:00:00 +0200""#
        );
        assert_eq!(
            t(tt((2033, 11, 6, 1, 59, 59, 0, 0, -1))),
            r#""06-Nov-2033 01:59:59 +0200""#
        );
        assert_eq!(
            t(tt((2033, 11, 6, 2, 0, 0, 0, 0, -1))),
            r#""06-Nov-2033 02:00:00 +0100""#
        );
        // Float rounding (microseconds half-to-even, then floor).
        assert_eq!(t((-0.5).into()), r#""01-Jan-1970 00:59:59 +0100""#);
        assert_eq!(t((-1.5).into()), r#""01-Jan-1970 00:59:58 +0100""#);
        assert_eq!(t(0.999_999_5.into()), r#""01-Jan-1970 01:00:01 +0100""#);
        assert_eq!(t(0.999_999_4.into()), r#""01-Jan-1970 01:00:00 +0100""#);
        assert_eq!(t(1_000_000_000.into()), r#""09-Sep-2001 03:46:40 +0200""#);
        assert_eq!(
            t(1_000_000_000.25.into()),
            r#""09-Sep-2001 03:46:40 +0200""#
        );
    }

    #[test]
    fn time2internaldate_southern_hemisphere() {
        run_tz_child(
            "child_time2internaldate_southern",
            "AEST-10AEDT,M10.1.0,M4.1.0/3",
        );
    }

    #[test]
    #[ignore = "run by time2internaldate_southern_hemisphere in a child process with TZ set"]
    fn child_time2internaldate_southern() {
        if !in_tz_child() {
            return;
        }
        // Expected values from Python 3.11 with the same TZ.
        let t = |v: (i32, i32, i32, i32, i32, i32, i32, i32, i32)| time2internaldate(v).unwrap();
        assert_eq!(
            t((2033, 5, 18, 5, 33, 20, -1, -1, -1)),
            r#""18-May-2033 05:33:20 +1000""#
        );
        assert_eq!(
            t((2033, 5, 18, 5, 33, 20, -1, -1, 1)),
            r#""18-May-2033 05:33:20 +1100""#
        );
        assert_eq!(
            t((2033, 1, 18, 5, 33, 20, -1, -1, -1)),
            r#""18-Jan-2033 05:33:20 +1100""#
        );
        assert_eq!(
            t((2033, 1, 18, 5, 33, 20, -1, -1, 0)),
            r#""18-Jan-2033 05:33:20 +1000""#
        );
        // DST ends 3 April 2033 03:00 (ambiguous hour), starts 2 October 02:00 (gap).
        for (tuple, want) in [
            (
                (2033, 4, 3, 1, 59, 59, 0, 0, -1),
                r#""03-Apr-2033 01:59:59 +1100""#,
            ),
            (
                (2033, 4, 3, 2, 0, 0, 0, 0, -1),
                r#""03-Apr-2033 02:00:00 +1100""#,
            ),
            (
                (2033, 4, 3, 2, 30, 0, 0, 0, -1),
                r#""03-Apr-2033 02:30:00 +1100""#,
            ),
            (
                (2033, 4, 3, 3, 0, 0, 0, 0, -1),
                r#""03-Apr-2033 03:00:00 +1000""#,
            ),
            (
                (2033, 10, 2, 1, 59, 59, 0, 0, -1),
                r#""02-Oct-2033 01:59:59 +1000""#,
            ),
            (
                (2033, 10, 2, 2, 0, 0, 0, 0, -1),
                r#""02-Oct-2033 02:00:00 +1100""#,
            ),
            (
                (2033, 10, 2, 2, 30, 0, 0, 0, -1),
                r#""02-Oct-2033 02:30:00 +1100""#,
            ),
            (
                (2033, 10, 2, 3, 0, 0, 0, 0, -1),
                r#""02-Oct-2033 03:00:00 +1100""#,
            ),
        ] {
            assert_eq!(t(tuple), want, "{tuple:?}");
        }
        assert_eq!(
            time2internaldate(2_000_000_000).unwrap(),
            r#""18-May-2033 13:33:20 +1000""#
        );
    }

    /// test_that_Time2Internaldate_returns_a_result, in the machine's zone.
    #[test]
    fn time2internaldate_returns_a_result() {
        let localtime = Local.timestamp_opt(2_000_000_000, 0).unwrap();
        let values: Vec<DateInput<'_>> = vec![
            2_000_000_000.into(),
            2_000_000_000.0.into(),
            TimeTuple::from_datetime(&localtime).into(),
            (2033, 5, 18, 5, 33, 20, -1, -1, -1).into(),
            (2033, 5, 18, 5, 33, 20, -1, -1, 1).into(),
            Utc.timestamp_opt(2_000_000_000, 0).unwrap().into(),
            localtime.into(),
            EXPECTED.into(),
        ];
        for v in values {
            let s = time2internaldate(v).unwrap();
            assert!(parse_internaldate(format!("INTERNALDATE {s}").as_bytes()).is_some());
        }
    }

    #[test]
    fn time2internaldate_aware_and_errors() {
        let utc = Utc.with_ymd_and_hms(2000, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(
            time2internaldate(utc).unwrap(),
            r#""02-Jan-2000 03:04:05 +0000""#
        );
        let west = FixedOffset::west_opt(3601).unwrap();
        assert_eq!(
            time2internaldate(utc.with_timezone(&west)).unwrap(),
            r#""02-Jan-2000 02:04:04 -010001""#
        );
        let early = FixedOffset::east_opt(7200)
            .unwrap()
            .with_ymd_and_hms(33, 5, 18, 5, 33, 20)
            .unwrap();
        assert_eq!(
            time2internaldate(early).unwrap(),
            r#""18-May-0033 05:33:20 +0200""#
        );
        let gm = TimeTuple {
            gmtoff: Some(-(11 * 3600 + 30 * 60)),
            ..(2000, 1, 1, 0, 0, 0, 0, 0, 0).into()
        };
        assert_eq!(
            time2internaldate(gm).unwrap(),
            r#""01-Jan-2000 00:00:00 -1130""#
        );

        // Naive datetimes are rejected.
        let err = time2internaldate(utc.naive_utc()).unwrap_err();
        assert_eq!(err, DateError::NotAware);
        assert_eq!(err.to_string(), "date_time must be aware");
        // Strings: quoted pass through untouched, others are rejected.
        assert_eq!(time2internaldate("\"").unwrap(), "\"");
        assert_eq!(time2internaldate(String::from("\"x\"")).unwrap(), "\"x\"");
        for s in ["abc", "", "\"abc", "abc\"", "18-May-2033 05:33:20 +0200"] {
            let err = time2internaldate(s).unwrap_err();
            assert_eq!(err, DateError::UnknownType);
            assert_eq!(err.to_string(), "date_time not of a known type");
        }
        // Invalid tuples, messages as Python's datetime().
        let bad = |t: (i32, i32, i32, i32, i32, i32, i32, i32, i32)| {
            time2internaldate(t).unwrap_err().to_string()
        };
        assert_eq!(
            bad((2033, 2, 30, 0, 0, 0, 0, 0, 0)),
            "day is out of range for month"
        );
        assert_eq!(
            bad((2033, 2, 3, 24, 0, 0, 0, 0, 0)),
            "hour must be in 0..23"
        );
        assert_eq!(
            bad((2033, 13, 3, 0, 0, 0, 0, 0, 0)),
            "month must be in 1..12"
        );
        assert_eq!(
            bad((2033, 0, 3, 0, 0, 0, 0, 0, 0)),
            "month must be in 1..12"
        );
        assert_eq!(
            bad((2033, 1, 3, 0, 60, 0, 0, 0, 0)),
            "minute must be in 0..59"
        );
        assert_eq!(
            bad((2033, 1, 3, 0, 0, 60, 0, 0, 0)),
            "second must be in 0..59"
        );
        assert_eq!(bad((0, 1, 3, 0, 0, 0, 0, 0, 0)), "year 0 is out of range");
        let huge = TimeTuple {
            gmtoff: Some(86_400),
            ..(2000, 1, 1, 0, 0, 0, 0, 0, 0).into()
        };
        assert_eq!(
            time2internaldate(huge).unwrap_err(),
            DateError::OffsetOutOfRange(86_400)
        );
        // Timestamps outside datetime's range.
        assert_eq!(
            time2internaldate(f64::NAN).unwrap_err(),
            DateError::InvalidTimestamp
        );
        assert_eq!(
            time2internaldate(f64::INFINITY).unwrap_err(),
            DateError::TimestampOutOfRange
        );
        assert_eq!(
            time2internaldate(i64::MAX).unwrap_err(),
            DateError::TimestampOutOfRange
        );
        assert!(matches!(
            time2internaldate(1e12).unwrap_err(),
            DateError::YearOutOfRange(_)
        ));
    }

    // -- Property tests ---------------------------------------------------

    proptest! {
        #[test]
        fn prop_int2ap_roundtrip(n in any::<i64>()) {
            prop_assert_eq!(ap2int(&int2ap(n)), n.unsigned_abs());
        }

        #[test]
        fn prop_time2internaldate_roundtrip(
            // 1000-01-02 .. 9999-12-30, so every offset stays within 1000..=9999.
            secs in -30_610_137_600_i64..253_402_041_600,
            offset_min in -1439_i32..=1439,
        ) {
            let offset = FixedOffset::east_opt(offset_min * 60).unwrap();
            let dt = DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&offset);
            let s = time2internaldate(dt).unwrap();
            prop_assert_eq!(s.len(), 28);
            let parsed = parse_internaldate(format!("INTERNALDATE {s}").as_bytes()).unwrap();
            prop_assert_eq!(parsed, dt);
            prop_assert_eq!(parsed.offset(), dt.offset());
        }

        #[test]
        fn prop_parse_flags_never_panics(s in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_flags(&s);
            let _ = parse_internaldate(&s);
            let _ = internaldate2tuple(&s);
        }
    }
}
