//! IMAP's date forms, from `chrono` values.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};

use crate::encode::arg_error;
use crate::error::{ArgumentProblem, Result};
use crate::util::MONTHS;

fn month(m0: u32) -> &'static str {
    MONTHS.get(m0 as usize).copied().unwrap_or("Jan")
}

fn year(what: &str, y: i32) -> Result<i32> {
    if (1..=9999).contains(&y) {
        Ok(y)
    } else {
        Err(arg_error(
            what,
            ArgumentProblem::InvalidDate,
            format!("{what}: year {y} has no IMAP form (4 digits, 1 to 9999)"),
        ))
    }
}

/// `date` of a search key: `d-Mon-yyyy` (`1-Feb-2024`).
pub(crate) fn date(d: NaiveDate) -> Result<String> {
    let y = year("the search date", d.year())?;
    Ok(format!("{}-{}-{y:04}", d.day(), month(d.month0())))
}

/// APPEND's `date-time`: `"dd-Mon-yyyy hh:mm:ss +zzzz"`, quotes included.
pub(crate) fn date_time(dt: &DateTime<FixedOffset>) -> Result<String> {
    let y = year("the internal date", dt.year())?;
    let off = dt.offset().local_minus_utc();
    if off % 60 != 0 {
        return Err(arg_error(
            "the internal date",
            ArgumentProblem::InvalidDate,
            format!(
                "the internal date's offset ({off} s) is not whole minutes, as IMAP's zone must be"
            ),
        ));
    }
    let sign = if off < 0 { '-' } else { '+' };
    let abs = off.unsigned_abs() / 60;
    Ok(format!(
        "\"{:02}-{}-{y:04} {:02}:{:02}:{:02} {sign}{:02}{:02}\"",
        dt.day(),
        month(dt.month0()),
        dt.hour(),
        dt.minute(),
        dt.second(),
        abs / 60,
        abs % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date(d(2024, 2, 1)).unwrap(), "1-Feb-2024");
        assert_eq!(date(d(1999, 12, 31)).unwrap(), "31-Dec-1999");
        assert_eq!(date(d(999, 1, 9)).unwrap(), "9-Jan-0999");
        assert!(date(d(10000, 1, 1)).is_err());
        assert!(date(d(0, 1, 1)).is_err());
        let tz = FixedOffset::east_opt(-(8 * 3600)).unwrap();
        let dt = tz.with_ymd_and_hms(2024, 2, 29, 23, 59, 5).unwrap();
        assert_eq!(date_time(&dt).unwrap(), "\"29-Feb-2024 23:59:05 -0800\"");
        let tz = FixedOffset::east_opt(5 * 3600 + 45 * 60).unwrap();
        let dt = tz.with_ymd_and_hms(2025, 3, 1, 1, 2, 3).unwrap();
        assert_eq!(date_time(&dt).unwrap(), "\"01-Mar-2025 01:02:03 +0545\"");
        let odd = FixedOffset::east_opt(61).unwrap();
        assert!(date_time(&odd.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()).is_err());
    }
}
