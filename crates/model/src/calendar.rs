//! Holiday calendars: which dates are not working days in a region.
//!
//! - [`HolidayCalendar::Denmark`]: the Danish public holidays (helligdage) of
//!   [`crate::deadline::is_public_holiday`].
//! - [`HolidayCalendar::Netherlands`]: the "algemeen erkende feestdagen" of
//!   the Algemene termijnenwet, art. 3: Nieuwjaarsdag (1 January), Goede
//!   Vrijdag (art. 3(2)), Tweede Paasdag, Hemelvaartsdag, Tweede Pinksterdag,
//!   the day the King's birthday is celebrated (Koningsdag: 27 April, 26 April
//!   when the 27th is a Sunday; before 2014 Koninginnedag, 30 April, 29 April
//!   when the 30th is a Sunday), the fifth of May (Bevrijdingsdag, every
//!   year) and both Christmas days. Easter and Whit Sunday are Sundays. Days
//!   the government declares equal to a holiday (art. 3(3), "besluit
//!   gelijkstelling", published every few years) are not computable: a region
//!   lists them in [`Calendar::extra`].
//! - [`HolidayCalendar::Rules`]: fixed dates and Easter offsets from a region
//!   file, for a region without a built-in calendar.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::deadline::easter_sunday;

/// How a region's public holidays are computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayCalendar {
    /// Danish helligdage (Store Bededag until 2023).
    Denmark,
    /// Dutch algemeen erkende feestdagen (Algemene termijnenwet art. 3).
    Netherlands,
    /// Only the region file's fixed dates and Easter offsets.
    Rules,
}

/// A region's working-day calendar: Monday to Friday except the holidays of
/// `base`, the `fixed` dates of every year, the days `easter_offsets` from
/// Easter Sunday, and the `extra` dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub base: HolidayCalendar,
    /// (month, day) holidays of every year.
    pub fixed: Vec<(u32, u32)>,
    /// Days from Easter Sunday (-2 Good Friday, 1 Easter Monday, 39 Ascension, 50 Whit Monday).
    pub easter_offsets: Vec<i64>,
    /// Single dates (e.g. the Dutch "gelijkgestelde dagen").
    pub extra: Vec<NaiveDate>,
}

impl Calendar {
    /// A calendar of `base` alone.
    pub fn of(base: HolidayCalendar) -> Self {
        Self {
            base,
            fixed: Vec::new(),
            easter_offsets: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// Whether `date` is a public holiday (or a day equal to one).
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        let base = match self.base {
            HolidayCalendar::Denmark => crate::deadline::is_public_holiday(date),
            HolidayCalendar::Netherlands => is_dutch_holiday(date),
            HolidayCalendar::Rules => false,
        };
        if base || self.extra.contains(&date) {
            return true;
        }
        if self.fixed.contains(&(date.month(), date.day())) {
            return true;
        }
        if self.easter_offsets.is_empty() {
            return false;
        }
        let offset = (date - easter_sunday(date.year())).num_days();
        self.easter_offsets.contains(&offset)
    }

    /// Monday to Friday and not a holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_holiday(date)
    }

    /// The first working day after `date`.
    pub fn next_working_day(&self, mut date: NaiveDate) -> NaiveDate {
        // At most a few weeks of holidays in a row; 400 days bounds a broken
        // calendar (every day a holiday) instead of looping forever.
        for _ in 0..400 {
            date = date.succ_opt().expect("date in range");
            if self.is_working_day(date) {
                return date;
            }
        }
        date
    }
}

/// Koningsdag (from 2014) or Koninginnedag (1949–2013), moved to the
/// Saturday before when it falls on a Sunday.
fn kings_day(year: i32) -> NaiveDate {
    let day = if year >= 2014 { 27 } else { 30 };
    let d = NaiveDate::from_ymd_opt(year, 4, day).expect("April date");
    if d.weekday() == Weekday::Sun {
        d.pred_opt().expect("date in range")
    } else {
        d
    }
}

/// Whether `date` is an "algemeen erkende feestdag" of the Algemene
/// termijnenwet art. 3(1) or Good Friday (art. 3(2)).
pub fn is_dutch_holiday(date: NaiveDate) -> bool {
    let (m, d) = (date.month(), date.day());
    if matches!((m, d), (1, 1) | (5, 5) | (12, 25) | (12, 26)) {
        return true;
    }
    if date == kings_day(date.year()) {
        return true;
    }
    let offset = (date - easter_sunday(date.year())).num_days();
    // Easter and Whit Sunday are Sundays anyway; the law names the second days.
    matches!(offset, -2 | 1 | 39 | 50)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dutch_holidays_of_2025_as_published() {
        // 2025: Goede Vrijdag 18 April, Tweede Paasdag 21 April, Koningsdag
        // Saturday 26 April (27th is a Sunday), Bevrijdingsdag 5 May,
        // Hemelvaartsdag 29 May, Tweede Pinksterdag 9 June.
        for (m, day) in [
            (1, 1),
            (4, 18),
            (4, 21),
            (4, 26),
            (5, 5),
            (5, 29),
            (6, 9),
            (12, 25),
            (12, 26),
        ] {
            assert!(is_dutch_holiday(d(2025, m, day)), "2025-{m}-{day}");
        }
        assert!(!is_dutch_holiday(d(2025, 4, 27)), "Sunday 27 April: moved");
        assert!(
            !is_dutch_holiday(d(2025, 4, 17)),
            "Maundy Thursday is Danish only"
        );
        assert!(!is_dutch_holiday(d(2025, 12, 24)));
        assert!(is_dutch_holiday(d(2013, 4, 30)), "Koninginnedag 2013");
        assert!(!is_dutch_holiday(d(2014, 4, 30)));
        assert!(
            is_dutch_holiday(d(2014, 4, 26)),
            "27 April 2014 was a Sunday"
        );
    }

    #[test]
    fn rules_and_extra_dates() {
        let mut c = Calendar::of(HolidayCalendar::Rules);
        c.fixed.push((10, 3));
        c.easter_offsets.push(-2);
        c.extra.push(d(2026, 5, 15));
        assert!(c.is_holiday(d(2025, 10, 3)));
        assert!(c.is_holiday(d(2025, 4, 18)), "Good Friday 2025");
        assert!(c.is_holiday(d(2026, 5, 15)));
        assert!(!c.is_holiday(d(2026, 5, 14)));
        assert_eq!(c.next_working_day(d(2025, 4, 17)), d(2025, 4, 21));
        let dk = Calendar::of(HolidayCalendar::Denmark);
        assert!(dk.is_holiday(d(2025, 4, 17)) && !dk.is_holiday(d(2025, 5, 5)));
    }
}
