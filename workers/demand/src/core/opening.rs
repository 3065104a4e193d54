//! Which hours of a day the shop is open, as the forecast needs it: from the
//! shop's settings when it has opening hours, else guessed from its sales.
//!
//! A forecast keeps the predictor's figures in open hours and has nothing in
//! closed ones; a day with no open hour is forecast closed (zero, with a
//! zero range). The hours themselves come from the shell (the shop's
//! `shop.hours` and `shop.closed_dates`, read by `crate::opening_hours`), so
//! the core stays free of settings.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::core::features::History;
use crate::core::grid::Grid;
use crate::core::sales::HOURS;

/// The local clock hours (0..24) of one date in which the shop is open for
/// at least a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenHours([bool; HOURS]);

impl OpenHours {
    /// Open in every hour.
    pub const ALL: Self = Self([true; HOURS]);
    /// Closed all day.
    pub const NONE: Self = Self([false; HOURS]);

    /// Open in the hours `open(h)` says.
    pub fn from_fn(open: impl Fn(usize) -> bool) -> Self {
        Self(std::array::from_fn(open))
    }

    pub fn is_open(&self, hour: usize) -> bool {
        self.0.get(hour).copied().unwrap_or(false)
    }

    /// No open hour: the day is closed.
    pub fn is_closed_day(&self) -> bool {
        !self.0.contains(&true)
    }

    /// The hours open, in order.
    pub fn hours(&self) -> Vec<usize> {
        (0..HOURS).filter(|&h| self.0[h]).collect()
    }

    /// Sets every closed hour of `grid` to zero; open hours keep their figures.
    pub fn apply(&self, grid: &mut Grid) {
        for row in &mut grid.cells {
            for (cell, open) in row.iter_mut().zip(self.0) {
                if !open {
                    *cell = 0.0;
                }
            }
        }
    }
}

/// The open hours of a date, per the shop's settings.
pub type HoursOf = Arc<dyn Fn(NaiveDate) -> OpenHours + Send + Sync>;

/// Where a forecast learns which days and hours the shop is closed.
#[derive(Clone)]
pub enum Closures {
    /// The shop has no opening hours in its settings (it takes orders around
    /// the clock): a weekday it sold nothing on in each of the last
    /// `TrainConfig::closed_weekday_weeks` weeks is guessed closed, only for
    /// the model (`History::looks_closed`). The backtests run this way: the
    /// historical data has no settings.
    Guessed,
    /// The shop's settings: their open hours of each date, and nothing
    /// guessed from sales.
    Settings(HoursOf),
}

impl fmt::Debug for Closures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Guessed => f.write_str("Guessed"),
            Self::Settings(_) => f.write_str("Settings(..)"),
        }
    }
}

impl Closures {
    /// The settings' hours on `date`, `None` when they are guessed.
    pub fn known(&self, date: NaiveDate) -> Option<OpenHours> {
        match self {
            Self::Guessed => None,
            Self::Settings(of) => Some(of(date)),
        }
    }

    /// The hours in which the model may forecast sales on `date`: the
    /// settings', or with none every hour unless the guess closes the day.
    pub fn for_model(&self, history: &History, date: NaiveDate, weeks: u32) -> OpenHours {
        match self {
            Self::Settings(of) => of(date),
            Self::Guessed if history.looks_closed(date, weeks) => OpenHours::NONE,
            Self::Guessed => OpenHours::ALL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_hours_get_nothing_and_open_hours_keep_their_figures() {
        let mut g = Grid::zeros(2);
        g.cells[0][10] = 1.5;
        g.cells[0][12] = 2.0;
        g.cells[1][22] = 0.7;
        let open = OpenHours::from_fn(|h| (11..22).contains(&h));
        open.apply(&mut g);
        assert_eq!(g.cells[0][10], 0.0, "before opening");
        assert_eq!(g.cells[0][12], 2.0, "open: the predictor's figure");
        assert_eq!(g.cells[1][22], 0.0, "after closing");
        assert!(!open.is_closed_day());
        assert!(OpenHours::NONE.is_closed_day());
        assert_eq!(open.hours(), (11..22).collect::<Vec<_>>());
    }

    #[test]
    fn settings_override_the_guess() {
        // Sales every day but the last two Mondays: the guess closes Monday.
        let start: NaiveDate = "2015-03-02".parse().expect("a Monday");
        let records: Vec<_> = (0..28u64)
            .filter(|d| *d != 14 && *d != 21)
            .map(|d| ("a", start + chrono::Days::new(d), 12, 1))
            .collect();
        let sales = crate::core::sales::Sales::from_local(records).expect("non-empty");
        let history = History::new(&sales);
        let monday: NaiveDate = "2015-03-30".parse().expect("valid");
        assert!(
            Closures::Guessed
                .for_model(&history, monday, 2)
                .is_closed_day()
        );
        assert_eq!(Closures::Guessed.known(monday), None);
        let open_mondays = Closures::Settings(Arc::new(|_| OpenHours::ALL));
        assert_eq!(
            open_mondays.for_model(&history, monday, 2),
            OpenHours::ALL,
            "the settings open Monday; nothing is guessed"
        );
        assert_eq!(open_mondays.known(monday), Some(OpenHours::ALL));
    }
}
