//! What one command may carry: the shop's own limits, checked by the order
//! worker's rules and explained by every edge before it sends anything.
//! One place, so a bot never promises what the worker then refuses.

/// Most different items in one order.
pub const MAX_LINES: usize = 30;
/// Most of one item in one order.
pub const MAX_QTY: u32 = 50;
pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_ADDRESS_CHARS: usize = 300;
pub const MAX_PHONE_CHARS: usize = 32;
pub const MAX_MESSAGE_CHARS: usize = 1000;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_ITEM_NAME_CHARS: usize = 128;
pub const MAX_CATEGORY_CHARS: usize = 64;
pub const MAX_SIZE_CHARS: usize = 16;
/// The highest price of one item, in minor units.
pub const MAX_PRICE_MINOR: i64 = 100_000_000;
/// The longest timed pause of new orders (a week); a longer break is a
/// pause without a time, ended by a resume.
pub const MAX_PAUSE_MINUTES: u32 = 7 * 24 * 60;
