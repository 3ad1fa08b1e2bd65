//! How numbers, sizes and times read on screen.
//!
//! Pure functions, so they are tested here and not through the UI. The
//! functions that depend on "now" or the local time zone take them as
//! arguments; thin wrappers (such as [`when`]) supply the real ones.

use chrono::{DateTime, Datelike, Local, NaiveDate, TimeZone, Utc};

/// A duration as a clock: `0:42`, `3:07`, `1:02:03`.
///
/// ```ignore
/// assert_eq!(clock(187_000), "3:07");
/// ```
pub fn clock(ms: u64) -> String {
    let seconds = ms / 1000;
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
    }
}

/// A duration in hours, minutes and seconds, from the largest unit present:
/// `42s`, `3m 7s`, `12h 0m 5s`.
pub fn hms(ms: u64) -> String {
    let seconds = ms / 1000;
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}h {minutes}m {seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m {seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// An optional duration as a clock, or an en dash while it is unknown.
pub fn maybe_clock(ms: Option<u64>) -> String {
    ms.map(clock).unwrap_or_else(|| "–".to_string())
}

/// A byte count in decimal units, as file managers show it: `512 B`,
/// `1.5 kB`, `23 MB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = "B";
    for next in UNITS {
        // 999.5 would round to "1000"; move up a unit before that happens.
        if value < 999.5 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    // One decimal only below 10 keeps the width steady.
    if value < 9.95 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// A level in dBFS with one decimal and a true minus sign: `−3.2 dBFS`;
/// silence is `−∞ dBFS`.
pub fn dbfs(level: f32) -> String {
    if level.is_nan() {
        return "–".to_string();
    }
    if level == f32::NEG_INFINITY {
        return "−∞ dBFS".to_string();
    }
    let text = format!("{:.1}", level);
    // "-0.0" reads as an error; 0 dBFS is full scale, written without a sign.
    let text = if text == "-0.0" {
        "0.0".to_string()
    } else {
        text
    };
    format!("{} dBFS", text.replace('-', "−"))
}

/// A sample rate as audio tools write it: `44.1 kHz`, `22.05 kHz`, `48 kHz`.
pub fn sample_rate(hz: u32) -> String {
    if hz < 1000 {
        return format!("{hz} Hz");
    }
    let khz = format!("{:.2}", f64::from(hz) / 1000.0);
    let khz = khz.trim_end_matches('0').trim_end_matches('.');
    format!("{khz} kHz")
}

/// A count with its noun: `1 recording`, `3 recordings`.
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// A moment relative to `now`, both in the zone they should be read in:
/// `Today, 14:03`, `Yesterday, 09:10`, `3 Nov, 08:00` this year, else `3 Nov 2024`.
pub fn relative_date_time<Tz: TimeZone>(at: &DateTime<Tz>, now: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let day = at.date_naive();
    let today = now.date_naive();
    if day == today {
        format!("Today, {}", at.format("%H:%M"))
    } else if today.pred_opt() == Some(day) {
        format!("Yesterday, {}", at.format("%H:%M"))
    } else if day.year() == today.year() {
        at.format("%-d %b, %H:%M").to_string()
    } else {
        at.format("%-d %b %Y").to_string()
    }
}

/// A server time as the user reads it: in the local zone, relative to now.
pub fn when(at: &DateTime<Utc>) -> String {
    relative_date_time(&at.with_timezone(&Local), &Local::now())
}

/// A server time in full, for tooltips: `Mon 3 Nov 2025, 14:03`.
pub fn full_date_time(at: &DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// A day in full, for accessible labels: `Mon 3 Nov`.
pub fn day_long(day: NaiveDate) -> String {
    day.format("%a %-d %b").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn clock_pads_minutes_and_seconds_but_not_the_leading_unit() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(42_999), "0:42");
        assert_eq!(clock(187_000), "3:07");
        assert_eq!(clock(3_723_000), "1:02:03");
        assert_eq!(clock(36_000_000), "10:00:00");
    }

    #[test]
    fn hms_starts_at_the_largest_unit_present() {
        assert_eq!(hms(0), "0s");
        assert_eq!(hms(42_000), "42s");
        assert_eq!(hms(187_000), "3m 7s");
        assert_eq!(hms(43_205_000), "12h 0m 5s");
        assert_eq!(maybe_clock(None), "–");
    }

    #[test]
    fn bytes_use_decimal_units_with_one_decimal_below_ten() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_000), "1.0 kB");
        assert_eq!(bytes(1_500), "1.5 kB");
        assert_eq!(bytes(23_456_789), "23 MB");
        assert_eq!(bytes(999_999), "1.0 MB");
        assert_eq!(bytes(4_200_000_000), "4.2 GB");
    }

    #[test]
    fn dbfs_uses_a_true_minus_and_shows_silence_as_minus_infinity() {
        assert_eq!(dbfs(-3.21), "−3.2 dBFS");
        assert_eq!(dbfs(-0.01), "0.0 dBFS");
        assert_eq!(dbfs(f32::NEG_INFINITY), "−∞ dBFS");
        assert_eq!(dbfs(f32::NAN), "–");
    }

    #[test]
    fn sample_rates_read_in_kilohertz_without_trailing_zeros() {
        assert_eq!(sample_rate(44_100), "44.1 kHz");
        assert_eq!(sample_rate(22_050), "22.05 kHz");
        assert_eq!(sample_rate(48_000), "48 kHz");
        assert_eq!(sample_rate(800), "800 Hz");
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0, "project", "projects"), "0 projects");
        assert_eq!(count(1, "project", "projects"), "1 project");
        assert_eq!(count(2, "project", "projects"), "2 projects");
    }

    #[test]
    fn dates_read_relative_to_now() {
        let zone = FixedOffset::east_opt(3600).unwrap();
        let now = zone.with_ymd_and_hms(2025, 11, 3, 15, 0, 0).unwrap();
        let at = |y, m, d, h, min| zone.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
        assert_eq!(
            relative_date_time(&at(2025, 11, 3, 14, 3), &now),
            "Today, 14:03"
        );
        assert_eq!(
            relative_date_time(&at(2025, 11, 2, 9, 10), &now),
            "Yesterday, 09:10"
        );
        assert_eq!(
            relative_date_time(&at(2025, 1, 20, 8, 0), &now),
            "20 Jan, 08:00"
        );
        assert_eq!(
            relative_date_time(&at(2024, 12, 31, 8, 0), &now),
            "31 Dec 2024"
        );
    }

    #[test]
    fn long_days_name_the_weekday_and_month() {
        let day = NaiveDate::from_ymd_opt(2025, 11, 3).unwrap();
        assert_eq!(day_long(day), "Mon 3 Nov");
    }
}
