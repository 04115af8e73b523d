//! How long a certificate stays valid (`[qualification.validity]` in `scheme.toml`) and
//! when its holder may renew it by sitting the paper again. Expiry is computed from the
//! date, never by a job: a certificate past its `expires_on` reads as expired.

use serde::Deserialize;
use time::{Date, Month};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Validity {
    /// Months from the day of issue to the day the certificate expires.
    pub months: u32,
    /// How many months before the expiry date a renewal sitting may be taken (any time
    /// while the certificate is held when absent). Only read with resit rules.
    #[serde(default)]
    pub renewal_window_months: Option<u32>,
}

impl Validity {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.months == 0 || self.months > 1200 {
            problems.push("validity.months must be between 1 and 1200".into());
        }
        if self
            .renewal_window_months
            .is_some_and(|w| w == 0 || w > self.months)
        {
            problems.push(
                "validity.renewal_window_months must be between 1 and validity.months".into(),
            );
        }
        problems
    }

    /// The day a certificate issued on `issued_on` expires: the same day of the month
    /// `months` later (the month's last day when it has no such day). It is valid up to
    /// the day before.
    pub fn expires_on(&self, issued_on: Date) -> Date {
        add_months(issued_on, i64::from(self.months))
    }

    /// The first day a renewal sitting may be taken for a certificate expiring on
    /// `expires_on`; `None` when the scheme sets no window.
    pub fn renewal_opens(&self, expires_on: Date) -> Option<Date> {
        self.renewal_window_months
            .map(|w| add_months(expires_on, -i64::from(w)))
    }
}

/// `date` moved by `months` calendar months, the day clamped to the month's length.
pub fn add_months(date: Date, months: i64) -> Date {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(date.year());
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1))
        .unwrap_or(Month::January);
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// Whether a certificate expiring on `expires_on` has expired on `today`.
pub fn is_expired(expires_on: Option<Date>, today: Date) -> bool {
    expires_on.is_some_and(|e| today >= e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_certificate_expires_the_same_day_months_later_or_at_the_end_of_a_short_month() {
        let v = Validity {
            months: 36,
            renewal_window_months: Some(6),
        };
        assert_eq!(v.expires_on(date!(2026 - 12 - 01)), date!(2029 - 12 - 01));
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2027 - 03 - 31), -1), date!(2027 - 02 - 28));
        assert_eq!(
            v.renewal_opens(date!(2029 - 12 - 01)),
            Some(date!(2029 - 06 - 01))
        );
    }

    #[test]
    fn a_certificate_is_expired_from_its_expiry_date_on() {
        let e = Some(date!(2029 - 12 - 01));
        assert!(!is_expired(e, date!(2029 - 11 - 30)));
        assert!(is_expired(e, date!(2029 - 12 - 01)));
        assert!(!is_expired(None, date!(2100 - 01 - 01)));
    }

    #[test]
    fn a_window_longer_than_the_validity_is_a_scheme_problem() {
        let v = Validity {
            months: 12,
            renewal_window_months: Some(13),
        };
        assert!(!v.problems().is_empty());
    }
}
