//! `/promo create|list|disable`: owners make promo codes, see them with
//! their uses, and switch them off. Parsing and wording are pure; the order
//! worker checks the terms again and keeps the count.

use chatorder_shared::domain::Money;
use chatorder_shared::promo::{BadTerms, Discount, Promo, PromoCode, PromoTerms};
use chrono::NaiveDate;
use serenity::all::{CommandOptionType, CreateCommand, CreateCommandOption};

use crate::commands::{BadCommand, Opt, OwnerCommand, parse_price};

/// A day an owner named for a code's window: resolved in the shop's time
/// zone when the command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromoDay {
    Today,
    Tomorrow,
    Date(NaiveDate),
}

impl PromoDay {
    /// `today`, `tomorrow` or `2026-12-24`.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        match raw.to_ascii_lowercase().as_str() {
            "today" => Some(Self::Today),
            "tomorrow" => Some(Self::Tomorrow),
            _ => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .map(Self::Date),
        }
    }

    pub fn on(self, today: NaiveDate) -> NaiveDate {
        match self {
            Self::Today => today,
            Self::Tomorrow => today.succ_opt().unwrap_or(today),
            Self::Date(d) => d,
        }
    }
}

/// A new code as the owner typed it, before its days are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub code: PromoCode,
    pub discount: Discount,
    pub min_total_minor: Option<i64>,
    pub from: Option<PromoDay>,
    pub until: Option<PromoDay>,
    pub max_uses: Option<u32>,
    pub once_per_customer: bool,
}

impl Draft {
    /// The terms, with `today` in the shop's time zone.
    pub fn terms(&self, today: NaiveDate) -> PromoTerms {
        PromoTerms {
            code: self.code.clone(),
            discount: self.discount,
            min_total_minor: self.min_total_minor,
            from: self.from.map(|d| d.on(today)),
            until: self.until.map(|d| d.on(today)),
            max_uses: self.max_uses,
            once_per_customer: self.once_per_customer,
        }
    }
}

/// `10%` → 10 percent; `5`, `5.00`, `$5` → an amount of 500 minor units.
pub fn parse_discount(raw: &str) -> Result<Discount, BadCommand> {
    let t = raw.trim();
    let bad = || BadCommand::NotADiscount(crate::render::clip(raw, 20));
    if let Some(pct) = t.strip_suffix('%') {
        return pct
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|p| (1..=100).contains(p))
            .map(Discount::Percent)
            .ok_or_else(bad);
    }
    match parse_price(t) {
        Ok(minor) if minor > 0 => Ok(Discount::Amount(minor)),
        _ => Err(bad()),
    }
}

fn get<'a>(opts: &'a [(String, Opt)], name: &str) -> Option<&'a Opt> {
    opts.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

fn text(opts: &[(String, Opt)], name: &str) -> Result<Option<String>, BadCommand> {
    match get(opts, name) {
        None => Ok(None),
        Some(Opt::Str(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(_) => Err(BadCommand::NotText(name.to_owned())),
    }
}

fn code(opts: &[(String, Opt)]) -> Result<PromoCode, BadCommand> {
    let raw = text(opts, "code")?.ok_or_else(|| BadCommand::Missing("code".into()))?;
    PromoCode::parse(&raw).map_err(|e| BadCommand::NotAPromoCode(e.to_string()))
}

fn day(opts: &[(String, Opt)], name: &str) -> Result<Option<PromoDay>, BadCommand> {
    text(opts, name)?
        .map(|raw| {
            PromoDay::parse(&raw).ok_or_else(|| BadCommand::NotADay(crate::render::clip(&raw, 30)))
        })
        .transpose()
}

/// `/promo <sub>` with the subcommand's options.
pub fn parse(sub: &str, opts: &[(String, Opt)]) -> Result<OwnerCommand, BadCommand> {
    Ok(match sub {
        "list" => OwnerCommand::PromoList,
        "disable" => OwnerCommand::PromoDisable { code: code(opts)? },
        "create" => {
            let discount = parse_discount(
                &text(opts, "discount")?.ok_or_else(|| BadCommand::Missing("discount".into()))?,
            )?;
            let min_total_minor = text(opts, "min")?.map(|m| parse_price(&m)).transpose()?;
            let max_uses = match get(opts, "uses") {
                None => None,
                Some(Opt::Int(n)) => Some(
                    u32::try_from(*n)
                        .ok()
                        .filter(|n| (1..=chatorder_shared::promo::MAX_USES).contains(n))
                        .ok_or(BadCommand::BadUses)?,
                ),
                Some(_) => return Err(BadCommand::BadUses),
            };
            let once_per_customer = match get(opts, "once_per_customer") {
                None => false,
                Some(Opt::Bool(b)) => *b,
                Some(_) => return Err(BadCommand::NotText("once_per_customer".into())),
            };
            OwnerCommand::PromoCreate(Draft {
                code: code(opts)?,
                discount,
                min_total_minor,
                from: day(opts, "from")?,
                until: day(opts, "until")?,
                max_uses,
                once_per_customer,
            })
        }
        _ => return Err(BadCommand::PromoUsage),
    })
}

fn code_opt() -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, "code", "The code, e.g. SUMMER10")
        .required(true)
        .min_length(3)
        .max_length(20)
}

/// The `/promo` command Discord shows.
pub fn definition() -> CreateCommand {
    let sub = |name: &str, about: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, about)
    };
    let s = |name: &str, about: &str| {
        CreateCommandOption::new(CommandOptionType::String, name, about).max_length(20)
    };
    CreateCommand::new("promo")
        .description("Promo codes customers use at checkout")
        .add_option(
            sub("create", "A new code")
                .add_sub_option(code_opt())
                .add_sub_option(s("discount", "10% off, or an amount off like 5.00").required(true))
                .add_sub_option(s("min", "Lowest order total it works on, e.g. 30.00"))
                .add_sub_option(s("from", "First day: 2026-12-24, today or tomorrow"))
                .add_sub_option(s("until", "Last day, included"))
                .add_sub_option(
                    CreateCommandOption::new(
                        CommandOptionType::Integer,
                        "uses",
                        "How many orders may use it in all",
                    )
                    .min_int_value(1)
                    .max_int_value(u64::from(chatorder_shared::promo::MAX_USES)),
                )
                .add_sub_option(CreateCommandOption::new(
                    CommandOptionType::Boolean,
                    "once_per_customer",
                    "One order per customer",
                )),
        )
        .add_option(sub("list", "Every code, with its uses"))
        .add_option(sub("disable", "Switch a code off for good").add_sub_option(code_opt()))
}

/// How a code reads in lists and verdicts.
pub fn describe(p: &Promo, currency: chatorder_shared::domain::Currency) -> String {
    let t = &p.terms;
    let off = match t.discount {
        Discount::Percent(pct) => format!("{pct}% off"),
        Discount::Amount(a) => format!("{} off", Money::new(a, currency)),
    };
    let mut parts = vec![off];
    if let Some(m) = t.min_total_minor {
        parts.push(format!("orders from {}", Money::new(m, currency)));
    }
    match (t.from, t.until) {
        (Some(f), Some(u)) => parts.push(format!("{f} to {u}")),
        (Some(f), None) => parts.push(format!("from {f}")),
        (None, Some(u)) => parts.push(format!("until {u}")),
        (None, None) => {}
    }
    parts.push(match t.max_uses {
        Some(max) => format!("used {} of {max}", p.uses),
        None => format!("used {}", p.uses),
    });
    if t.once_per_customer {
        parts.push("once per customer".into());
    }
    let state = if p.enabled { "" } else { " (switched off)" };
    format!("`{}`{state}: {}", t.code, parts.join(", "))
}

/// The owners' list of codes.
pub fn list(promos: &[Promo], currency: chatorder_shared::domain::Currency) -> String {
    if promos.is_empty() {
        return "No promo codes yet. Make one with `/promo create`.".into();
    }
    let mut out = String::from("**Promo codes**\n");
    for p in promos {
        out.push_str(&describe(p, currency));
        out.push('\n');
    }
    out
}

/// Why the worker refused an owner's new code.
pub fn bad_terms(code: &PromoCode, why: &BadTerms) -> String {
    match why {
        BadTerms::Percent => format!("`{code}`: a percentage is 1% to 100%."),
        BadTerms::Amount { max_minor } => format!(
            "`{code}`: the amount off must be above 0 and at most {}.{:02}.",
            max_minor / 100,
            max_minor % 100
        ),
        BadTerms::MinTotal { max_minor } => format!(
            "`{code}`: the minimum total must be between 0 and {}.{:02}.",
            max_minor / 100,
            max_minor % 100
        ),
        BadTerms::Window => format!("`{code}`: its last day comes before its first."),
        BadTerms::Uses { max } => format!("`{code}`: uses are 1 to {max}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::tests::{o, s};

    #[test]
    fn a_full_create_parses() {
        let got = parse(
            "create",
            &o(&[
                ("code", s("summer10")),
                ("discount", s("10%")),
                ("min", s("30")),
                ("from", s("today")),
                ("until", s("2026-12-31")),
                ("uses", Opt::Int(100)),
                ("once_per_customer", Opt::Bool(true)),
            ]),
        );
        let Ok(OwnerCommand::PromoCreate(d)) = got else {
            panic!("{got:?}");
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("day");
        let t = d.terms(today);
        assert_eq!(t.code.as_str(), "SUMMER10");
        assert_eq!(t.discount, Discount::Percent(10));
        assert_eq!(t.min_total_minor, Some(3000));
        assert_eq!(t.from, Some(today));
        assert_eq!(t.until, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(t.max_uses, Some(100));
        assert!(t.once_per_customer);
    }

    #[test]
    fn discounts_read_as_percent_or_amount() {
        assert_eq!(parse_discount("15 %"), Ok(Discount::Percent(15)));
        assert_eq!(parse_discount("$4.50"), Ok(Discount::Amount(450)));
        for bad in ["0%", "101%", "0", "ten", "-5", "5.123"] {
            assert!(parse_discount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_input_gets_a_sentence() {
        let e = parse(
            "create",
            &o(&[("code", s("no good")), ("discount", s("5"))]),
        );
        assert!(matches!(e, Err(BadCommand::NotAPromoCode(_))), "{e:?}");
        let e = parse("create", &o(&[("code", s("OK10"))]));
        assert_eq!(e, Err(BadCommand::Missing("discount".into())));
        let e = parse(
            "create",
            &o(&[
                ("code", s("OK10")),
                ("discount", s("5")),
                ("from", s("someday")),
            ]),
        );
        assert!(matches!(e, Err(BadCommand::NotADay(_))));
        let e = parse(
            "create",
            &o(&[
                ("code", s("OK10")),
                ("discount", s("5")),
                ("uses", Opt::Int(0)),
            ]),
        );
        assert_eq!(e, Err(BadCommand::BadUses));
        assert_eq!(
            parse("disable", &o(&[("code", s("ok10"))])),
            Ok(OwnerCommand::PromoDisable {
                code: PromoCode::parse("OK10").expect("code")
            })
        );
        assert_eq!(parse("list", &[]), Ok(OwnerCommand::PromoList));
        assert_eq!(parse("nope", &[]), Err(BadCommand::PromoUsage));
    }
}
