//! LER's answer deadline for a dig request, on Danish working days.
//!
//! The rule (LER 2): a request received on a Danish working day between
//! 07:00 and 16:00 (Europe/Copenhagen) must be answered within 2 hours;
//! otherwise by 09:00 on the next working day. We read "the next working
//! day" as the next working-day morning: a request received at 06:00 on a
//! working day is due at 09:00 that same day; one received after 16:00, or on
//! a weekend or public holiday, at 09:00 on the following working day.
//!
//! Working days are Monday to Friday except the Danish public holidays
//! (helligdage): New Year's Day, Maundy Thursday, Good Friday, Easter Sunday
//! and Monday, Ascension Day, Whit Sunday and Monday, Christmas Day and
//! Boxing Day, and General Prayer Day (Store Bededag, the fourth Friday after
//! Easter) up to and including 2023, when it was abolished. Constitution Day,
//! Christmas Eve and New Year's Eve are not public holidays and count as
//! working days.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Copenhagen;

/// Easter Sunday of `year` (Gregorian; Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// Whether `date` is a Danish public holiday.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    let (m, d) = (date.month(), date.day());
    if matches!((m, d), (1, 1) | (12, 25) | (12, 26)) {
        return true;
    }
    let easter = easter_sunday(date.year());
    let offset = (date - easter).num_days();
    match offset {
        -3 | -2 | 0 | 1 | 39 | 49 | 50 => true,
        26 => date.year() <= 2023,
        _ => false,
    }
}

/// Monday to Friday and not a public holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(date)
}

fn next_working_day(mut date: NaiveDate) -> NaiveDate {
    loop {
        date = date.succ_opt().expect("date in range");
        if is_working_day(date) {
            return date;
        }
    }
}

fn at_nine(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"));
    // 09:00 always exists and is never ambiguous in Copenhagen (DST switches at 02:00/03:00).
    Copenhagen
        .from_local_datetime(&local)
        .single()
        .expect("09:00 exists")
        .with_timezone(&Utc)
}

/// The answer deadline of a request received at `received`.
pub fn answer_deadline(received: DateTime<Utc>) -> DateTime<Utc> {
    let local = received.with_timezone(&Copenhagen);
    let date = local.date_naive();
    let time = local.time();
    let open = NaiveTime::from_hms_opt(7, 0, 0).expect("07:00");
    let close = NaiveTime::from_hms_opt(16, 0, 0).expect("16:00");
    if is_working_day(date) {
        if time >= open && time <= close {
            return received + Duration::hours(2);
        }
        if time < open {
            return at_nine(date);
        }
    }
    at_nine(next_working_day(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Copenhagen wall-clock time to UTC.
    fn cph(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Copenhagen
            .with_ymd_and_hms(y, m, day, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn easter_dates_match_published_tables() {
        for (y, m, day) in [
            (2000, 4, 23),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(y), d(y, m, day), "{y}");
        }
    }

    #[test]
    fn holidays_including_store_bededag_until_2023() {
        assert!(is_public_holiday(d(2023, 5, 5)), "Store Bededag 2023");
        assert!(
            !is_public_holiday(d(2024, 4, 26)),
            "no Store Bededag from 2024"
        );
        assert!(is_public_holiday(d(2025, 4, 17)) && is_public_holiday(d(2025, 4, 18)));
        assert!(is_public_holiday(d(2025, 5, 29)), "Ascension 2025");
        assert!(is_public_holiday(d(2025, 6, 9)), "Whit Monday 2025");
        assert!(
            !is_public_holiday(d(2025, 6, 5)),
            "Constitution Day is not a public holiday"
        );
        assert!(!is_public_holiday(d(2025, 12, 24)));
        assert!(is_working_day(d(2025, 12, 24)) && !is_working_day(d(2025, 12, 27)));
    }

    #[test]
    fn inside_working_hours_two_hours() {
        assert_eq!(
            answer_deadline(cph(2025, 3, 7, 15, 30)),
            cph(2025, 3, 7, 17, 30)
        );
        assert_eq!(
            answer_deadline(cph(2025, 3, 7, 7, 0)),
            cph(2025, 3, 7, 9, 0)
        );
        assert_eq!(
            answer_deadline(cph(2025, 3, 7, 16, 0)),
            cph(2025, 3, 7, 18, 0)
        );
        assert_eq!(
            answer_deadline(cph(2025, 12, 24, 15, 0)),
            cph(2025, 12, 24, 17, 0)
        );
    }

    #[test]
    fn outside_working_hours_nine_next_working_day() {
        assert_eq!(
            answer_deadline(cph(2025, 3, 7, 16, 1)),
            cph(2025, 3, 10, 9, 0),
            "Friday evening → Monday"
        );
        assert_eq!(
            answer_deadline(cph(2025, 3, 8, 12, 0)),
            cph(2025, 3, 10, 9, 0),
            "Saturday → Monday"
        );
        assert_eq!(
            answer_deadline(cph(2025, 3, 10, 6, 30)),
            cph(2025, 3, 10, 9, 0),
            "early Monday → same morning"
        );
        assert_eq!(
            answer_deadline(cph(2025, 4, 17, 10, 0)),
            cph(2025, 4, 22, 9, 0),
            "Easter 2025"
        );
        assert_eq!(
            answer_deadline(cph(2025, 12, 24, 16, 30)),
            cph(2025, 12, 29, 9, 0),
            "Christmas 2025"
        );
        assert_eq!(
            answer_deadline(cph(2023, 5, 4, 17, 0)),
            cph(2023, 5, 8, 9, 0),
            "Store Bededag 2023 skipped"
        );
        assert_eq!(
            answer_deadline(cph(2024, 4, 25, 17, 0)),
            cph(2024, 4, 26, 9, 0),
            "2024: the Friday is a working day"
        );
        assert_eq!(
            answer_deadline(cph(2025, 12, 31, 18, 0)),
            cph(2026, 1, 2, 9, 0),
            "New Year"
        );
    }

    #[test]
    fn across_daylight_saving_changes() {
        // DST starts Sunday 30 March 2025: Monday 09:00 is CEST (07:00 UTC).
        let due = answer_deadline(cph(2025, 3, 29, 12, 0));
        assert_eq!(due, Utc.with_ymd_and_hms(2025, 3, 31, 7, 0, 0).unwrap());
        // DST ends Sunday 26 October 2025: Monday 09:00 is CET (08:00 UTC).
        let due = answer_deadline(cph(2025, 10, 24, 20, 0));
        assert_eq!(due, Utc.with_ymd_and_hms(2025, 10, 27, 8, 0, 0).unwrap());
        // Received Friday 15:00 CET in winter: 17:00 CET = 16:00 UTC.
        assert_eq!(
            answer_deadline(cph(2025, 1, 10, 15, 0)),
            Utc.with_ymd_and_hms(2025, 1, 10, 16, 0, 0).unwrap()
        );
    }
}
