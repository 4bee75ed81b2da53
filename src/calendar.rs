//! Months as plain integers: `year * 12 + (month - 1)`. Comparisons and arithmetic are exact and
//! cheap, which is what the people columns need (`birth_month`, `spell_start`, ...).

use std::fmt;

/// An absolute month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i32);

impl Month {
    pub fn new(year: i32, month: u32) -> Month {
        Month(year * 12 + month as i32 - 1)
    }

    /// Parses `YYYY-MM` (1990-01 to 2100-12).
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let y: i32 = y.parse().ok()?;
        let m: u32 = m.parse().ok()?;
        if !(1990..=2100).contains(&y) || !(1..=12).contains(&m) {
            return None;
        }
        Some(Month::new(y, m))
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// 1 = January.
    pub fn month_of_year(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// February holds the national week-6 point-in-time count.
    pub fn is_count_month(self) -> bool {
        self.month_of_year() == 2
    }

    pub fn offset(self, months: i32) -> Month {
        Month(self.0 + months)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month_of_year())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let m = Month::parse("2019-02").unwrap();
        assert_eq!(m.to_string(), "2019-02");
        assert!(m.is_count_month());
        assert_eq!(m.offset(11).to_string(), "2020-01");
        assert_eq!(Month::parse("2019-13"), None);
        assert_eq!(Month::parse("19-02"), None);
        assert!(Month::parse("2015-01").unwrap() < Month::parse("2015-02").unwrap());
    }
}
