//! A region's answer-deadline rule, computed on its calendar and in its
//! time zone.
//!
//! - [`DeadlineRule::BusinessHours`] is LER's rule (Denmark): a request
//!   received on a working day between `open` and `close` is due `within`
//!   later; one received before `open` at `next_at` that day; otherwise at
//!   `next_at` on the next working day ([`crate::deadline`] explains it).
//! - [`DeadlineRule::WorkingDays`] is KLIC's (the Netherlands): under the
//!   WIBON a network operator delivers its information "binnen 1 werkdag"
//!   (within one working day) of the dig notification. We count the day as
//!   24 hours of working days, in local wall-clock time: a notification
//!   received on a working day at 15:00 is due at 15:00 on the next working
//!   day; one received on a Saturday, Sunday or holiday starts counting at
//!   00:00 of the next working day and is due at the end (24:00) of it.

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::Calendar;

/// How the answer deadline of a dig request is computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineRule {
    /// LER 2: `within` inside `open`–`close` on working days, else `next_at`
    /// on the next working-day morning.
    BusinessHours {
        open: NaiveTime,
        close: NaiveTime,
        within: Duration,
        next_at: NaiveTime,
    },
    /// WIBON / KLIC: `days` working days after receipt (see the module docs).
    WorkingDays { days: u32 },
}

impl DeadlineRule {
    /// LER's rule: 2 hours inside 07:00–16:00, else 09:00 the next working day.
    pub fn ler() -> Self {
        Self::BusinessHours {
            open: NaiveTime::from_hms_opt(7, 0, 0).expect("07:00"),
            close: NaiveTime::from_hms_opt(16, 0, 0).expect("16:00"),
            within: Duration::hours(2),
            next_at: NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"),
        }
    }

    /// KLIC's rule: one working day.
    pub fn klic() -> Self {
        Self::WorkingDays { days: 1 }
    }

    /// The deadline of a request received at `received`, in `tz` on `calendar`.
    pub fn deadline(&self, received: DateTime<Utc>, tz: Tz, calendar: &Calendar) -> DateTime<Utc> {
        let local = received.with_timezone(&tz);
        let (date, time) = (local.date_naive(), local.time());
        match *self {
            Self::BusinessHours {
                open,
                close,
                within,
                next_at,
            } => {
                if calendar.is_working_day(date) {
                    if time >= open && time <= close {
                        return received + within;
                    }
                    if time < open {
                        return at(tz, date.and_time(next_at));
                    }
                }
                at(tz, calendar.next_working_day(date).and_time(next_at))
            }
            Self::WorkingDays { days } => {
                if calendar.is_working_day(date) {
                    let mut day = date;
                    for _ in 0..days.max(1) {
                        day = calendar.next_working_day(day);
                    }
                    return at(tz, day.and_time(time));
                }
                // Counting starts at 00:00 of the next working day, so the
                // last day ends at 24:00: 00:00 of the calendar day after it.
                let mut day = calendar.next_working_day(date);
                for _ in 1..days.max(1) {
                    day = calendar.next_working_day(day);
                }
                let end = day.succ_opt().expect("date in range");
                at(tz, end.and_time(NaiveTime::MIN))
            }
        }
    }
}

/// Local wall-clock time to UTC: the earlier instant when the clock goes
/// back, one hour later when it skips the time (DST starts).
fn at(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .expect("a local time exists within an hour")
        .with_timezone(&Utc)
}
