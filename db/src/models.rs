//! Rows as Diesel reads and writes them, and their conversion to and from the
//! shared contract types.

use chatorder_shared::domain::{Currency, Fulfilment, OrderNumber, OrderStatus, Platform, Sku};
use chatorder_shared::events::{CatalogItem, CustomerRef, OrderLine, OrderSnapshot};
use chatorder_shared::payment::Payment;
use chatorder_shared::promo::{AppliedPromo, PromoCode};
use chrono::{DateTime, DurationRound as _, NaiveDateTime, TimeDelta, TimeZone as _, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::{
    catalog_items, customers, order_lines, order_messages, order_status_history, orders, outbox,
    processed_commands,
};

/// A row that can't be read back as a contract type: the database holds
/// something the code never writes.
#[derive(Debug, thiserror::Error)]
#[error("row {table}/{key} is inconsistent: {what}")]
pub struct BadRow {
    pub table: &'static str,
    pub key: String,
    pub what: String,
}

fn bad(table: &'static str, key: &str, what: impl ToString) -> BadRow {
    BadRow {
        table,
        key: key.to_owned(),
        what: what.to_string(),
    }
}

pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&t)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, check_for_backend(diesel::mysql::Mysql))]
pub struct OrderRow {
    pub id: String,
    pub number: i64,
    pub customer_id: String,
    pub customer_name: Option<String>,
    pub status: String,
    pub version: i32,
    pub fulfilment: String,
    pub address: Option<String>,
    pub note: Option<String>,
    pub total_minor: i64,
    pub currency: String,
    pub placed_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub promo_code: Option<String>,
    pub discount_minor: i64,
    /// Paid in chat (both set; what was paid is `total_minor` in
    /// `currency`, after any promo discount: a paid order is placed only
    /// for exactly its total and its lines never change) or paid when handed over (both `None`).
    pub telegram_payment_charge_id: Option<String>,
    pub provider_payment_charge_id: Option<String>,
    /// A scheduled order's time (`None`: as soon as possible).
    pub scheduled_for: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_lines, check_for_backend(diesel::mysql::Mysql))]
pub struct LineRow {
    pub order_id: String,
    pub line_no: i16,
    pub sku: String,
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

impl OrderRow {
    pub fn from_snapshot(o: &OrderSnapshot) -> Self {
        Self {
            id: o.id.to_string(),
            number: i64::try_from(o.number.0).unwrap_or(i64::MAX),
            customer_id: o.customer.key.clone(),
            customer_name: o.customer.name.clone(),
            status: o.status.as_str().to_owned(),
            version: i32::try_from(o.version).unwrap_or(i32::MAX),
            fulfilment: o.fulfilment.kind().to_owned(),
            address: o.fulfilment.address().map(str::to_owned),
            note: o.note.clone(),
            total_minor: o.total_minor,
            currency: o.currency.as_str().to_owned(),
            placed_at: o.placed_at.naive_utc(),
            updated_at: o.updated_at.naive_utc(),
            promo_code: o.promo.as_ref().map(|p| p.code.as_str().to_owned()),
            discount_minor: o.discount_minor(),
            telegram_payment_charge_id: o
                .payment
                .as_ref()
                .map(|p| p.telegram_payment_charge_id.clone()),
            provider_payment_charge_id: o
                .payment
                .as_ref()
                .map(|p| p.provider_payment_charge_id.clone()),
            scheduled_for: o.scheduled_for.map(|t| t.naive_utc()),
        }
    }

    /// Joins a row with its lines (in line order) into a snapshot.
    pub fn into_snapshot(self, lines: Vec<LineRow>) -> Result<OrderSnapshot, BadRow> {
        let key = self.id.clone();
        let id = Uuid::parse_str(&self.id).map_err(|e| bad("orders", &key, e))?;
        let status = OrderStatus::parse(&self.status)
            .ok_or_else(|| bad("orders", &key, format!("status `{}`", self.status)))?;
        let currency = Currency::parse(&self.currency).map_err(|e| bad("orders", &key, e))?;
        let fulfilment = match (self.fulfilment.as_str(), self.address) {
            ("pickup", _) => Fulfilment::Pickup,
            ("delivery", Some(address)) => Fulfilment::Delivery { address },
            (other, _) => return Err(bad("orders", &key, format!("fulfilment `{other}`"))),
        };
        let (platform, external) = self
            .customer_id
            .split_once(':')
            .ok_or_else(|| bad("orders", &key, "customer id without platform"))?;
        let platform = match platform {
            "telegram" => Platform::Telegram,
            "discord" => Platform::Discord,
            "system" => Platform::System,
            "api" => Platform::Api,
            "web" => Platform::Web,
            other => return Err(bad("orders", &key, format!("platform `{other}`"))),
        };
        let lines = lines
            .into_iter()
            .map(|l| {
                Ok(OrderLine {
                    sku: Sku::parse(&l.sku).map_err(|e| bad("order_lines", &key, e))?,
                    name: l.name,
                    qty: u32::try_from(l.quantity)
                        .map_err(|_| bad("order_lines", &key, "negative quantity"))?,
                    unit_price_minor: l.unit_price_minor,
                    line_total_minor: l.line_total_minor,
                })
            })
            .collect::<Result<Vec<_>, BadRow>>()?;
        let promo = self
            .promo_code
            .map(|code| {
                Ok::<_, BadRow>(AppliedPromo {
                    code: PromoCode::parse(&code).map_err(|e| bad("orders", &key, e))?,
                    discount_minor: self.discount_minor,
                })
            })
            .transpose()?;
        let payment = match (
            self.telegram_payment_charge_id,
            self.provider_payment_charge_id,
        ) {
            (None, None) => None,
            (Some(telegram), Some(provider)) => Some(Payment {
                total_minor: self.total_minor,
                currency,
                telegram_payment_charge_id: telegram,
                provider_payment_charge_id: provider,
            }),
            _ => return Err(bad("orders", &key, "a payment with one charge id missing")),
        };
        Ok(OrderSnapshot {
            id,
            number: OrderNumber(u64::try_from(self.number).unwrap_or_default()),
            version: u32::try_from(self.version).unwrap_or_default(),
            status,
            customer: CustomerRef {
                key: self.customer_id.clone(),
                platform,
                id: external.to_owned(),
                name: self.customer_name,
            },
            lines,
            total_minor: self.total_minor,
            currency,
            fulfilment,
            note: self.note,
            placed_at: to_utc(self.placed_at),
            updated_at: to_utc(self.updated_at),
            promo,
            payment,
            scheduled_for: self.scheduled_for.map(to_utc),
        })
    }
}

pub fn line_rows(o: &OrderSnapshot) -> Vec<LineRow> {
    o.lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineRow {
            order_id: o.id.to_string(),
            line_no: i16::try_from(i + 1).unwrap_or(i16::MAX),
            sku: l.sku.as_str().to_owned(),
            name: l.name.clone(),
            quantity: i32::try_from(l.qty).unwrap_or(i32::MAX),
            unit_price_minor: l.unit_price_minor,
            line_total_minor: l.line_total_minor,
        })
        .collect()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = catalog_items, check_for_backend(diesel::mysql::Mysql))]
pub struct CatalogRow {
    pub sku: String,
    pub name: String,
    pub size: Option<String>,
    pub category: String,
    pub price_minor: i64,
    pub currency: String,
    pub available: bool,
    pub updated_at: NaiveDateTime,
}

impl CatalogRow {
    pub fn from_item(item: &CatalogItem, now: DateTime<Utc>) -> Self {
        Self {
            sku: item.sku.as_str().to_owned(),
            name: item.name.clone(),
            size: item.size.clone(),
            category: item.category.clone(),
            price_minor: item.price_minor,
            currency: item.currency.as_str().to_owned(),
            available: item.available,
            updated_at: now.naive_utc(),
        }
    }

    pub fn into_item(self) -> Result<CatalogItem, BadRow> {
        Ok(CatalogItem {
            sku: Sku::parse(&self.sku).map_err(|e| bad("catalog_items", &self.sku, e))?,
            currency: Currency::parse(&self.currency)
                .map_err(|e| bad("catalog_items", &self.sku, e))?,
            name: self.name,
            size: self.size,
            category: self.category,
            price_minor: self.price_minor,
            available: self.available,
        })
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = customers, check_for_backend(diesel::mysql::Mysql))]
pub struct NewCustomer {
    pub id: String,
    pub platform: String,
    pub external_id: String,
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub created_at: NaiveDateTime,
}

/// One row of `order_status_history`: a status change, who made it and why.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = order_status_history, check_for_backend(diesel::mysql::Mysql))]
pub struct NewStatusChange {
    pub order_id: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_role: String,
    pub actor_id: String,
    pub reason: Option<String>,
    pub command_id: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = order_messages, check_for_backend(diesel::mysql::Mysql))]
pub struct NewMessage {
    pub order_id: String,
    pub from_role: String,
    pub from_id: String,
    pub body: String,
    pub command_id: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = processed_commands, check_for_backend(diesel::mysql::Mysql))]
pub struct NewProcessed {
    pub command_id: String,
    pub command_type: String,
    pub outcome: String,
    pub order_id: Option<String>,
    pub processed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox, check_for_backend(diesel::mysql::Mysql))]
pub struct OutboxRow {
    pub event_id: String,
    pub subject: String,
    pub payload: Vec<u8>,
    pub created_at: NaiveDateTime,
}

/// Now, to the microsecond: MySQL's `DATETIME(6)` keeps microseconds, and a
/// snapshot must read back equal to what was sent.
pub fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}
