//! The slash commands: their definitions for Discord, and parsing of what an
//! owner sent into an [`OwnerCommand`], refusing bad input with a sentence.

use crate::export::DayArg;
use chatorder_shared::domain::{InvalidValue, OrderNumber, OrderStatus, Sku};
use chatorder_shared::owners::SummaryDay;
use serenity::all::{
    CommandDataOption, CommandDataOptionValue, CommandOptionType, CreateCommand,
    CreateCommandOption,
};

/// Longest `/reply` text (the order worker's message limit).
pub const MAX_REPLY_CHARS: usize = 1000;
/// Longest reason for a status change (the order worker's limit).
pub const MAX_REASON_CHARS: usize = 500;

/// Why a slash command could not be read. The message is the sentence the
/// owner sees, saying what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadCommand {
    #[error("`{0}` should be text.")]
    NotText(String),
    #[error("Please give `{0}`.")]
    Missing(String),
    #[error("`{0}` should be a whole number.")]
    NotWhole(String),
    #[error("Please give the order `number`.")]
    NoOrderNumber,
    #[error("Order numbers start at 1.")]
    OrderNumberFromOne,
    #[error("Pages start at 1.")]
    PageFromOne,
    #[error("{0}.")]
    Sku(#[from] InvalidValue),
    #[error("`{0}` is not a price; write it like 12.50.")]
    NotAPrice(String),
    #[error("The reason is {0} characters; please keep it under {MAX_REASON_CHARS}.")]
    ReasonTooLong(usize),
    #[error(
        "`{0}` is not a status; use accepted, rejected, preparing, ready, out_for_delivery, completed or cancelled."
    )]
    NotAStatus(String),
    #[error(
        "That reply is {0} characters; customers get at most {MAX_REPLY_CHARS}. Please shorten it."
    )]
    ReplyTooLong(usize),
    #[error("Use `/catalog list`, `add`, `price`, `enable` or `disable`.")]
    CatalogUsage,
    #[error("`/catalog {0}` is not a catalog command.")]
    NotACatalogCommand(String),
    #[error("`{0}`: summaries are for `today` or `yesterday`.")]
    SummaryDay(String),
    #[error("`{0}`: forecasts are for `tomorrow`.")]
    ForecastDay(String),
    #[error("`{0}` is not a length of time; write it like 30m, 2h or 1h30m (at most 7 days).")]
    NotADuration(String),
    #[error("`/{0}` is not one of this bot's commands.")]
    UnknownCommand(String),
    #[error("`{0}` is not a day; write it like 2026-12-04, or `today` or `yesterday`.")]
    NotADay(String),
    #[error("{0}.")]
    NotAPromoCode(String),
    #[error("`{0}` is not a discount; write 10% for a percentage or 5.00 for an amount off.")]
    NotADiscount(String),
    #[error("`uses` is how many orders may use the code: 1 to 1000000.")]
    BadUses,
    #[error("Use `/promo create`, `list` or `disable`.")]
    PromoUsage,
}

/// What an owner asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerCommand {
    Pending {
        page: u32,
    },
    Order {
        number: OrderNumber,
    },
    Status {
        number: OrderNumber,
        to: OrderStatus,
        reason: Option<String>,
    },
    Reply {
        number: OrderNumber,
        text: String,
    },
    CatalogList {
        page: u32,
    },
    CatalogAdd {
        sku: Sku,
        name: String,
        category: String,
        size: Option<String>,
        price_minor: i64,
    },
    CatalogPrice {
        sku: Sku,
        price_minor: i64,
    },
    CatalogEnable {
        sku: Sku,
    },
    CatalogDisable {
        sku: Sku,
    },
    Summary {
        day: SummaryDay,
    },
    Forecast,
    /// The orders of the shop's days `from`..=`to` as a CSV file.
    Export {
        from: Option<DayArg>,
        to: Option<DayArg>,
    },
    /// Stop taking orders (for `minutes`, or until `/resume`).
    Pause {
        minutes: Option<u32>,
        reason: Option<String>,
    },
    Resume,
    /// A new promo code.
    PromoCreate(crate::promo::Draft),
    PromoList,
    PromoDisable {
        code: chatorder_shared::promo::PromoCode,
    },
}

/// An option value as the parser sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Opt {
    Int(i64),
    Str(String),
    Bool(bool),
    Sub(Vec<(String, Opt)>),
    Other,
}

/// Converts serenity's options into the parser's.
pub fn options(raw: &[CommandDataOption]) -> Vec<(String, Opt)> {
    raw.iter()
        .map(|o| {
            let v = match &o.value {
                CommandDataOptionValue::Integer(i) => Opt::Int(*i),
                CommandDataOptionValue::String(s) => Opt::Str(s.clone()),
                CommandDataOptionValue::Boolean(b) => Opt::Bool(*b),
                CommandDataOptionValue::SubCommand(sub)
                | CommandDataOptionValue::SubCommandGroup(sub) => Opt::Sub(options(sub)),
                _ => Opt::Other,
            };
            (o.name.clone(), v)
        })
        .collect()
}

struct Args<'a>(&'a [(String, Opt)]);

impl Args<'_> {
    fn get(&self, name: &str) -> Option<&Opt> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn str(&self, name: &str) -> Result<Option<String>, BadCommand> {
        match self.get(name) {
            None => Ok(None),
            Some(Opt::Str(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
            Some(_) => Err(BadCommand::NotText(name.to_owned())),
        }
    }

    fn req_str(&self, name: &str) -> Result<String, BadCommand> {
        self.str(name)?
            .ok_or_else(|| BadCommand::Missing(name.to_owned()))
    }

    fn int(&self, name: &str) -> Result<Option<i64>, BadCommand> {
        match self.get(name) {
            None => Ok(None),
            Some(Opt::Int(i)) => Ok(Some(*i)),
            Some(Opt::Str(s)) => s
                .trim()
                .trim_start_matches('#')
                .parse()
                .map(Some)
                .map_err(|_| BadCommand::NotWhole(name.to_owned())),
            Some(_) => Err(BadCommand::NotWhole(name.to_owned())),
        }
    }

    fn number(&self) -> Result<OrderNumber, BadCommand> {
        match self.int("number")? {
            Some(n) if n > 0 => Ok(OrderNumber(n.unsigned_abs())),
            Some(_) => Err(BadCommand::OrderNumberFromOne),
            None => Err(BadCommand::NoOrderNumber),
        }
    }

    fn page(&self) -> Result<u32, BadCommand> {
        match self.int("page")? {
            None => Ok(0),
            Some(p) if (1..=10_000).contains(&p) => Ok(u32::try_from(p - 1).unwrap_or(0)),
            Some(_) => Err(BadCommand::PageFromOne),
        }
    }

    fn sku(&self) -> Result<Sku, BadCommand> {
        let raw = self.req_str("sku")?;
        Ok(Sku::parse(&raw.to_ascii_lowercase())?)
    }

    fn price(&self) -> Result<i64, BadCommand> {
        parse_price(&self.req_str("price")?)
    }

    fn day(&self, name: &str) -> Result<Option<DayArg>, BadCommand> {
        self.str(name)?
            .map(|raw| {
                DayArg::parse(&raw)
                    .ok_or_else(|| BadCommand::NotADay(crate::render::clip(&raw, 30)))
            })
            .transpose()
    }
}

/// `12`, `12.5`, `12.50`, `$12.50` → 1250 minor units.
pub fn parse_price(raw: &str) -> Result<i64, BadCommand> {
    let t = raw.trim().trim_start_matches(['$', '£', '€']).trim();
    let bad = || BadCommand::NotAPrice(raw.to_owned());
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || whole.len() > 7
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    Ok(whole * 100 + cents)
}

fn reason(raw: Option<String>) -> Result<Option<String>, BadCommand> {
    match raw {
        Some(r) if r.chars().count() > MAX_REASON_CHARS => {
            Err(BadCommand::ReasonTooLong(r.chars().count()))
        }
        other => Ok(other),
    }
}

/// `30m`, `2h`, `1h30m`, `1d`, `45` (minutes) → minutes, up to a week.
pub fn parse_duration(raw: &str) -> Result<u32, BadCommand> {
    let bad = || BadCommand::NotADuration(crate::render::clip(raw, 20));
    let t = raw.trim().to_ascii_lowercase().replace(' ', "");
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse()
            .ok()
            .filter(|m| (1..=MAX_PAUSE_MINUTES).contains(m))
            .ok_or_else(bad);
    }
    let (mut total, mut digits) = (0u64, String::new());
    for c in t.chars() {
        match c {
            '0'..='9' => digits.push(c),
            'd' | 'h' | 'm' if !digits.is_empty() => {
                let n: u64 = digits.parse().map_err(|_| bad())?;
                let unit = match c {
                    'd' => 24 * 60,
                    'h' => 60,
                    _ => 1,
                };
                total = total.saturating_add(n.saturating_mul(unit));
                digits.clear();
            }
            _ => return Err(bad()),
        }
    }
    u32::try_from(total)
        .ok()
        .filter(|m| digits.is_empty() && (1..=MAX_PAUSE_MINUTES).contains(m))
        .ok_or_else(bad)
}

/// Longest timed pause (the order worker's limit).
const MAX_PAUSE_MINUTES: u32 = chatorder_shared::limits::MAX_PAUSE_MINUTES;

/// Parses a slash command; an `Err` reads as a sentence for the owner.
pub fn parse(name: &str, opts: &[(String, Opt)]) -> Result<OwnerCommand, BadCommand> {
    let a = Args(opts);
    Ok(match name {
        "pending" => OwnerCommand::Pending { page: a.page()? },
        "order" => OwnerCommand::Order {
            number: a.number()?,
        },
        "status" => {
            let raw = a.req_str("status")?;
            let to = OrderStatus::parse(&raw)
                .filter(|s| *s != OrderStatus::Pending)
                .ok_or_else(|| BadCommand::NotAStatus(crate::render::clip(&raw, 30)))?;
            OwnerCommand::Status {
                number: a.number()?,
                to,
                reason: reason(a.str("reason")?)?,
            }
        }
        "reply" => {
            let text = a.req_str("text")?;
            let n = text.chars().count();
            if n > MAX_REPLY_CHARS {
                return Err(BadCommand::ReplyTooLong(n));
            }
            OwnerCommand::Reply {
                number: a.number()?,
                text,
            }
        }
        "catalog" => {
            let (sub, sub_opts) = match opts.first() {
                Some((sub, Opt::Sub(o))) => (sub.as_str(), o.as_slice()),
                _ => {
                    return Err(BadCommand::CatalogUsage);
                }
            };
            let s = Args(sub_opts);
            match sub {
                "list" => OwnerCommand::CatalogList { page: s.page()? },
                "add" => OwnerCommand::CatalogAdd {
                    sku: s.sku()?,
                    name: s.req_str("name")?,
                    category: s.req_str("category")?,
                    size: s.str("size")?,
                    price_minor: s.price()?,
                },
                "price" => OwnerCommand::CatalogPrice {
                    sku: s.sku()?,
                    price_minor: s.price()?,
                },
                "enable" => OwnerCommand::CatalogEnable { sku: s.sku()? },
                "disable" => OwnerCommand::CatalogDisable { sku: s.sku()? },
                other => return Err(BadCommand::NotACatalogCommand(other.to_owned())),
            }
        }
        "summary" => OwnerCommand::Summary {
            day: match a.str("day")?.as_deref() {
                None | Some("yesterday") => SummaryDay::Yesterday,
                Some("today") => SummaryDay::Today,
                Some(other) => {
                    return Err(BadCommand::SummaryDay(crate::render::clip(other, 20)));
                }
            },
        },
        "forecast" => match a.str("day")?.as_deref() {
            None | Some("tomorrow") => OwnerCommand::Forecast,
            Some(other) => {
                return Err(BadCommand::ForecastDay(crate::render::clip(other, 20)));
            }
        },
        "export" => OwnerCommand::Export {
            from: a.day("from")?,
            to: a.day("to")?,
        },
        "pause" => OwnerCommand::Pause {
            minutes: a.str("for")?.as_deref().map(parse_duration).transpose()?,
            reason: reason(a.str("reason")?)?,
        },
        "resume" => OwnerCommand::Resume,
        "promo" => match opts.first() {
            Some((sub, Opt::Sub(o))) => crate::promo::parse(sub, o)?,
            _ => return Err(BadCommand::PromoUsage),
        },
        other => return Err(BadCommand::UnknownCommand(other.to_owned())),
    })
}

fn number_opt() -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::Integer,
        "number",
        "Order number, e.g. 42",
    )
    .min_int_value(1)
    .required(true)
}

fn page_opt() -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::Integer, "page", "Page (1 is the first)")
        .min_int_value(1)
}

fn sku_opt() -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::String,
        "sku",
        "Item code, e.g. hawaiian_m",
    )
    .required(true)
    .max_length(64)
}

fn day_opt(name: &str, about: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, name, about).max_length(20)
}

/// Every command the bot registers.
pub fn definitions() -> Vec<CreateCommand> {
    let mut status =
        CreateCommandOption::new(CommandOptionType::String, "status", "New status").required(true);
    for s in OrderStatus::ALL
        .into_iter()
        .filter(|s| *s != OrderStatus::Pending)
    {
        status = status.add_string_choice(s.human(), s.as_str());
    }
    let sub = |name: &str, about: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, about)
    };
    vec![
        CreateCommand::new("pending")
            .description("Pending orders, oldest first")
            .add_option(page_opt()),
        CreateCommand::new("order")
            .description("Show one order")
            .add_option(number_opt()),
        CreateCommand::new("status")
            .description("Change an order's status")
            .add_option(number_opt())
            .add_option(status)
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "reason",
                    "Why (shown to the customer)",
                )
                .max_length(500),
            ),
        CreateCommand::new("reply")
            .description("Message the customer of an order (reaches them where they ordered)")
            .add_option(number_opt())
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "text", "What to say")
                    .required(true)
                    .max_length(1000),
            ),
        CreateCommand::new("catalog")
            .description("See and change the menu")
            .add_option(sub("list", "List items").add_sub_option(page_opt()))
            .add_option(
                sub("add", "Add an item (or replace one with the same code)")
                    .add_sub_option(sku_opt())
                    .add_sub_option(
                        CreateCommandOption::new(
                            CommandOptionType::String,
                            "name",
                            "Name customers type",
                        )
                        .required(true)
                        .max_length(128),
                    )
                    .add_sub_option(
                        CreateCommandOption::new(
                            CommandOptionType::String,
                            "category",
                            "e.g. veggie",
                        )
                        .required(true)
                        .max_length(64),
                    )
                    .add_sub_option(
                        CreateCommandOption::new(CommandOptionType::String, "price", "e.g. 12.50")
                            .required(true),
                    )
                    .add_sub_option(
                        CreateCommandOption::new(CommandOptionType::String, "size", "e.g. L")
                            .max_length(16),
                    ),
            )
            .add_option(
                sub("price", "Change an item's price")
                    .add_sub_option(sku_opt())
                    .add_sub_option(
                        CreateCommandOption::new(CommandOptionType::String, "price", "e.g. 12.50")
                            .required(true),
                    ),
            )
            .add_option(sub("enable", "Put an item back on the menu").add_sub_option(sku_opt()))
            .add_option(sub("disable", "Take an item off the menu").add_sub_option(sku_opt())),
        CreateCommand::new("summary")
            .description("A day's orders, revenue and top items")
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "day", "today or yesterday")
                    .add_string_choice("today", "today")
                    .add_string_choice("yesterday", "yesterday"),
            ),
        CreateCommand::new("forecast")
            .description("Tomorrow's expected orders and prep list")
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "day", "tomorrow")
                    .add_string_choice("tomorrow", "tomorrow"),
            ),
        CreateCommand::new("export")
            .description("Orders of some days as a CSV file for a spreadsheet (default: today)")
            .add_option(day_opt("from", "First day: 2026-12-04, today or yesterday"))
            .add_option(day_opt("to", "Last day, included (default: the first)")),
        CreateCommand::new("pause")
            .description("Stop taking new orders (customers are told why)")
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "for",
                "How long, e.g. 30m or 2h (default: until /resume)",
            ))
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "reason", "Customers see it")
                    .max_length(500),
            ),
        CreateCommand::new("resume").description("Take new orders again"),
        crate::promo::definition(),
    ]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A string option (for tests of any command's parser).
    pub(crate) fn s(v: &str) -> Opt {
        Opt::Str(v.to_owned())
    }

    /// Named options (for tests of any command's parser).
    pub(crate) fn o(pairs: &[(&str, Opt)]) -> Vec<(String, Opt)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            parse(
                "status",
                &o(&[("number", Opt::Int(12)), ("status", s("out for delivery"))])
            ),
            Ok(OwnerCommand::Status {
                number: OrderNumber(12),
                to: OrderStatus::OutForDelivery,
                reason: None
            })
        );
        assert_eq!(parse("pending", &[]), Ok(OwnerCommand::Pending { page: 0 }));
        assert_eq!(
            parse("pending", &o(&[("page", Opt::Int(3))])),
            Ok(OwnerCommand::Pending { page: 2 })
        );
        assert_eq!(
            parse(
                "catalog",
                &o(&[(
                    "price",
                    Opt::Sub(o(&[("sku", s("Hawaiian_M")), ("price", s("$13.5"))]))
                )])
            ),
            Ok(OwnerCommand::CatalogPrice {
                sku: Sku::parse("hawaiian_m").expect("sku"),
                price_minor: 1350
            })
        );
        assert_eq!(parse("forecast", &[]), Ok(OwnerCommand::Forecast));
        assert_eq!(
            parse(
                "export",
                &o(&[("from", s("yesterday")), ("to", s("today"))])
            ),
            Ok(OwnerCommand::Export {
                from: Some(DayArg::Yesterday),
                to: Some(DayArg::Today)
            })
        );
        assert_eq!(
            parse("export", &[]),
            Ok(OwnerCommand::Export {
                from: None,
                to: None
            })
        );
        assert_eq!(
            parse("summary", &o(&[("day", s("today"))])),
            Ok(OwnerCommand::Summary {
                day: SummaryDay::Today
            })
        );
    }

    #[test]
    fn bad_input_gets_a_sentence() {
        let cases = [
            (
                "status",
                o(&[("number", Opt::Int(12)), ("status", s("eaten"))]),
            ),
            (
                "status",
                o(&[("number", Opt::Int(12)), ("status", s("pending"))]),
            ),
            (
                "status",
                o(&[("number", Opt::Int(0)), ("status", s("ready"))]),
            ),
            ("status", o(&[("status", s("ready"))])),
            (
                "reply",
                o(&[("number", Opt::Int(1)), ("text", s(&"x".repeat(1001)))]),
            ),
            ("reply", o(&[("number", Opt::Int(1)), ("text", s("   "))])),
            (
                "catalog",
                o(&[(
                    "price",
                    Opt::Sub(o(&[("sku", s("a b")), ("price", s("1"))])),
                )]),
            ),
            (
                "catalog",
                o(&[(
                    "price",
                    Opt::Sub(o(&[("sku", s("ab")), ("price", s("1.234"))])),
                )]),
            ),
            (
                "catalog",
                o(&[(
                    "price",
                    Opt::Sub(o(&[("sku", s("ab")), ("price", s("-1"))])),
                )]),
            ),
            ("catalog", vec![]),
            ("pending", o(&[("page", Opt::Int(0))])),
            ("order", o(&[("number", s("twelve"))])),
            ("summary", o(&[("day", s("last year"))])),
            ("export", o(&[("from", s("4/12"))])),
            (
                "export",
                o(&[("from", s("today")), ("to", s("2026-02-30"))]),
            ),
            ("nuke", vec![]),
        ];
        for (name, opts) in cases {
            let err = parse(name, &opts).expect_err(name).to_string();
            assert!(err.ends_with('.'), "a sentence: {err}");
        }
        let said =
            |name: &str, opts: Vec<(String, Opt)>| parse(name, &opts).expect_err(name).to_string();
        assert_eq!(
            said(
                "status",
                o(&[("number", Opt::Int(12)), ("status", s("eaten"))])
            ),
            "`eaten` is not a status; use accepted, rejected, preparing, ready, out_for_delivery, completed or cancelled."
        );
        assert_eq!(
            said(
                "catalog",
                o(&[(
                    "price",
                    Opt::Sub(o(&[("sku", s("a b")), ("price", s("1"))]))
                )])
            ),
            "`a b` is not a valid item code (use 1-64 lower-case letters, digits, `_` or `-`)."
        );
        assert_eq!(
            said("order", o(&[("number", s("twelve"))])),
            "`number` should be a whole number."
        );
        assert_eq!(
            said("export", o(&[("from", s("last week"))])),
            "`last week` is not a day; write it like 2026-12-04, or `today` or `yesterday`."
        );
    }

    #[test]
    fn pauses_parse_with_a_length_and_a_reason() {
        assert_eq!(
            parse(
                "pause",
                &o(&[("for", s("1h30m")), ("reason", s("Oven repair"))])
            ),
            Ok(OwnerCommand::Pause {
                minutes: Some(90),
                reason: Some("Oven repair".into())
            })
        );
        assert_eq!(
            parse("pause", &[]),
            Ok(OwnerCommand::Pause {
                minutes: None,
                reason: None
            })
        );
        assert_eq!(parse("resume", &[]), Ok(OwnerCommand::Resume));
        assert_eq!(parse_duration("30m"), Ok(30));
        assert_eq!(parse_duration("2 h"), Ok(120));
        assert_eq!(parse_duration("1d"), Ok(1440));
        assert_eq!(parse_duration("45"), Ok(45));
        for bad in ["", "0m", "soon", "8d", "30x", "h", "1h30"] {
            let e = parse_duration(bad).expect_err(bad).to_string();
            assert!(e.contains("30m, 2h or 1h30m"), "{bad}: {e}");
        }
    }

    #[test]
    fn prices_parse() {
        assert_eq!(parse_price("12"), Ok(1200));
        assert_eq!(parse_price("12.5"), Ok(1250));
        assert_eq!(parse_price("£0.05"), Ok(5));
        for bad in ["", ".5", "1,50", "12.345", "abc", "99999999"] {
            assert!(parse_price(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn definitions_are_within_discord_limits() {
        let defs = serde_json::to_value(definitions()).expect("serialisable");
        let defs = defs.as_array().expect("list");
        assert_eq!(defs.len(), 11);
        for d in defs {
            let name = d["name"].as_str().expect("name");
            assert!(name.len() <= 32 && name.chars().all(|c| c.is_ascii_lowercase()));
            assert!(d["description"].as_str().expect("description").len() <= 100);
        }
    }
}
