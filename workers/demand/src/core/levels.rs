//! The three levels every figure is given at (item-day, item-hour, store-day),
//! and the walk over one day's cells at each of them.

use crate::core::grid::Grid;
use crate::core::sales::HOURS;

/// One value per level.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Levels<T> {
    pub item_day: T,
    pub item_hour: T,
    pub store_day: T,
}

/// One of the three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    ItemDay,
    ItemHour,
    StoreDay,
}

impl<T> Levels<T> {
    pub fn get(&self, level: Level) -> &T {
        match level {
            Level::ItemDay => &self.item_day,
            Level::ItemHour => &self.item_hour,
            Level::StoreDay => &self.store_day,
        }
    }

    pub fn get_mut(&mut self, level: Level) -> &mut T {
        match level {
            Level::ItemDay => &mut self.item_day,
            Level::ItemHour => &mut self.item_hour,
            Level::StoreDay => &mut self.store_day,
        }
    }

    /// `f` of each level's value.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Levels<U> {
        Levels {
            item_day: f(&self.item_day),
            item_hour: f(&self.item_hour),
            store_day: f(&self.store_day),
        }
    }
}

/// Every hour of the day, for [`visit_levels`].
pub const ALL_HOURS: [usize; HOURS] = {
    let mut h = [0; HOURS];
    let mut i = 0;
    while i < HOURS {
        h[i] = i;
        i += 1;
    }
    h
};

/// Calls `f(level, actual, forecast)` for every cell of one day at every
/// level: each item's `hours`, each item's day, then the shop's day. Both
/// grids must be in the same item order.
pub fn visit_levels(
    actual: &Grid,
    forecast: &Grid,
    hours: &[usize],
    mut f: impl FnMut(Level, f64, f64),
) {
    assert_eq!(
        actual.cells.len(),
        forecast.cells.len(),
        "grids of one sales table"
    );
    for (a, m) in actual.cells.iter().zip(&forecast.cells) {
        for &h in hours {
            f(Level::ItemHour, a[h], m[h]);
        }
        f(Level::ItemDay, a.iter().sum(), m.iter().sum());
    }
    f(Level::StoreDay, actual.store_day(), forecast.store_day());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_visited_hour_by_hour_then_per_item_then_for_the_shop() {
        let mut actual = Grid::zeros(2);
        actual.cells[0][12] = 2.0;
        actual.cells[1][18] = 3.0;
        let mut forecast = Grid::zeros(2);
        forecast.cells[0][13] = 1.0;
        let mut seen = Vec::new();
        visit_levels(&actual, &forecast, &[12, 13], |level, a, f| {
            seen.push((level, a, f));
        });
        assert_eq!(
            seen,
            [
                (Level::ItemHour, 2.0, 0.0),
                (Level::ItemHour, 0.0, 1.0),
                (Level::ItemDay, 2.0, 1.0),
                (Level::ItemHour, 0.0, 0.0),
                (Level::ItemHour, 0.0, 0.0),
                (Level::ItemDay, 3.0, 0.0),
                (Level::StoreDay, 5.0, 1.0),
            ]
        );
    }

    #[test]
    fn get_and_map_pick_the_named_level() {
        let mut l = Levels {
            item_day: 1,
            item_hour: 2,
            store_day: 3,
        };
        *l.get_mut(Level::StoreDay) += 10;
        assert_eq!(
            [Level::ItemDay, Level::ItemHour, Level::StoreDay].map(|x| *l.get(x)),
            [1, 2, 13]
        );
        assert_eq!(l.map(|v| v * 2).item_hour, 4);
    }
}
