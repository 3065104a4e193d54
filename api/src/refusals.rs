//! The worker's refusals as problems: the refusal's stable code becomes the
//! problem's `code`, its kind picks the status (404 not there, 403 not
//! allowed, 409 not in a state for it, 412 changed since read, 422 the
//! request itself breaks a rule), and the sentence is written here for an
//! integrator.

use axum::http::StatusCode;
use chatorder_shared::hours::{Tz, when};
use chatorder_shared::promo::PromoProblem;
use chatorder_shared::refusal::{EmptyText, Missing, Refusal, TextField};
use chrono::{DateTime, Utc};

use crate::problem::Problem;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The problem for a refusal the worker sent at `at`; opening times are
/// told in the shop's zone `tz` (with the instant, for programs).
pub fn problem(refusal: &Refusal, at: DateTime<Utc>, tz: Tz) -> Problem {
    let (status, detail) = match refusal {
        // 409: the shop is not in a state to take an order; retry later.
        Refusal::Closed {
            opens_at: Some(open),
        } => (
            StatusCode::CONFLICT,
            format!(
                "We're closed now; we open again {} ({}). Please order then.",
                when(*open, at, tz),
                open.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ),
        Refusal::Closed { opens_at: None } => (
            StatusCode::CONFLICT,
            "We're closed, and no opening is planned yet.".to_owned(),
        ),
        // 422: the time asked for is wrong; the window says which are right.
        Refusal::BadTime {
            at: asked,
            from: Some(from),
            until: Some(until),
        } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "We can't have an order ready {} ({}). Choose `scheduled_for` from {} until {} \
                 ({} to {}).",
                when(*asked, at, tz),
                rfc3339(*asked),
                when(*from, at, tz),
                when(*until, at, tz),
                rfc3339(*from),
                rfc3339(*until)
            ),
        ),
        Refusal::BadTime { .. } => (
            StatusCode::CONFLICT,
            "We're closed, and no opening is planned yet.".to_owned(),
        ),
        Refusal::Paused { reason, until } => (
            StatusCode::CONFLICT,
            format!(
                "We're not taking orders right now{}. {}",
                reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                until.map_or_else(
                    || "Please try again a little later.".to_owned(),
                    |u| format!("We expect to take them again {}.", when(u, at, tz))
                )
            ),
        ),
        Refusal::BadPause { max_minutes } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("A timed pause lasts 1 to {max_minutes} minutes."),
        ),
        Refusal::NotOwner => (
            StatusCode::FORBIDDEN,
            "This caller may not act as the shop's owner: an API key needs the owner scope, and \
             a web owner account must not be disabled."
                .to_owned(),
        ),
        Refusal::NotAllowed => (
            StatusCode::FORBIDDEN,
            "This caller may not send that change.".to_owned(),
        ),
        Refusal::NotFound {
            missing: Missing::Order { number },
        } => (
            StatusCode::NOT_FOUND,
            format!("There is no order {number}."),
        ),
        Refusal::NotFound {
            missing: Missing::Item { sku },
        } => (
            StatusCode::NOT_FOUND,
            format!("There is no catalog item `{sku}`."),
        ),
        Refusal::NotPending { number, status } => (
            StatusCode::CONFLICT,
            format!("Order {number} is {status}; only a pending order can change that way."),
        ),
        Refusal::Final { number, to, why } | Refusal::BadTransition { number, to, why } => (
            StatusCode::CONFLICT,
            format!("Order {number} cannot move to {to}: {why}."),
        ),
        Refusal::Stale {
            number,
            expected,
            current,
        } => (
            StatusCode::PRECONDITION_FAILED,
            format!(
                "Order {number} is at version {current}, not {expected}: it changed since you \
                 read it. GET it again and retry with If-Match: \"{current}\" if the change still makes sense."
            ),
        ),
        Refusal::ReasonRequired { number } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Cancelling order {number} needs a reason; the customer is told it."),
        ),
        Refusal::Empty { what } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            match what {
                EmptyText::Order => "An order needs at least one line.".to_owned(),
                EmptyText::Message => "The message is empty.".to_owned(),
            },
        ),
        Refusal::TooLong { field, len, max } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "The {} is {len} characters; at most {max} are taken.",
                match field {
                    TextField::Message => "message",
                    TextField::Phone => "phone number",
                    TextField::Address => "address",
                    TextField::Note => "note",
                    TextField::Reason => "reason",
                    TextField::ChargeId => "payment charge id",
                }
            ),
        ),
        Refusal::Paid { number } => (
            StatusCode::CONFLICT,
            format!(
                "Order {number} was paid in chat, so its lines can't change; cancel it (it is \
                 refunded) and order again."
            ),
        ),
        Refusal::AddressRequired => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "A delivery order needs an address.".to_owned(),
        ),
        Refusal::TooManyLines { lines, max } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("An order holds at most {max} different items; this one has {lines}."),
        ),
        Refusal::UnknownItem { sku } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("There is no catalog item `{sku}` (GET /api/v1/catalog lists them)."),
        ),
        Refusal::Unavailable { sku, name } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{name} (`{sku}`) is not available now."),
        ),
        Refusal::BadQuantity { name, qty, max } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{qty} × {name}: a line takes 1 to {max}."),
        ),
        Refusal::TooLarge => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "That order is too large to price.".to_owned(),
        ),
        Refusal::BadPrice { max_minor } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("A price must be between 0 and {max_minor} minor units."),
        ),
        Refusal::BadName { max } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("An item name must be 1 to {max} characters."),
        ),
        Refusal::BadCategory { max } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("A category must be 1 to {max} characters."),
        ),
        Refusal::BadSize { max } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("A size must be at most {max} characters."),
        ),
        Refusal::Promo { promo, why } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "Promo code {promo} does not apply ({}): {}. The order was not placed; send it \
                 again without `promo` or with another code.",
                why.label(),
                match why {
                    PromoProblem::Unknown => "there is no such code".to_owned(),
                    PromoProblem::Disabled => "the shop switched it off".to_owned(),
                    PromoProblem::NotYet { from } => format!("it can be used from {from}"),
                    PromoProblem::Expired { until } => format!("it ended on {until}"),
                    PromoProblem::BelowMinimum { min } => {
                        format!("it needs an order of at least {min}")
                    }
                    PromoProblem::UsedUp => "every use has been taken".to_owned(),
                    PromoProblem::AlreadyUsed => {
                        "it is once per customer and this customer used it".to_owned()
                    }
                }
            ),
        ),
        Refusal::Internal { fault } => {
            tracing::error!(?fault, "the worker reports a fault in the shop's set-up");
            return Problem::internal();
        }
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("The shop refused this change ({}).", refusal.code()),
        ),
    };
    Problem::new(status, refusal.code(), detail)
}
