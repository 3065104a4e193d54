//! Owners' reports from the demand worker: a day's summary (today or
//! yesterday) and the forecast for a day (tomorrow by default), each as
//! the titled text the morning post carries; and the dashboard's figures as
//! numbers. Needs `read` (or a web owner); never a customer.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chatorder_shared::api_keys::Scope;
use chatorder_shared::owners::{
    Dashboard, DashboardRequest, ForecastRequest, OwnerReport, SummaryDay, SummaryRequest,
};
use chatorder_shared::subjects::DemandQuery;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// Training and forecasting can keep the demand worker busy for a moment.
const DEMAND_TIMEOUT: Duration = Duration::from_secs(10);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/summary", get(summary))
        .route("/reports/forecast", get(forecast))
        .route("/reports/dashboard", get(dashboard))
}

/// A report as the owners' channel shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub title: String,
    /// Plain text, one figure per line.
    pub body: String,
    pub generated_at: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize)]
struct SummaryParams {
    day: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ForecastParams {
    day: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports",
    security(("bearer" = [])),
    params(("day" = Option<String>, Query, description = "`today` or `yesterday` (the default)")),
    responses(
        (status = 200, description = "The day's figures", body = ReportView),
        crate::openapi::ReadProblems
    ))]
async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<SummaryParams>, QueryRejection>,
) -> Result<Json<ReportView>, Problem> {
    caller.require_shop(Scope::Read)?;
    let Ok(Query(p)) = params else {
        return Err(bad_day("`day` is today or yesterday."));
    };
    let day = match p.day.as_deref().map(str::trim) {
        None | Some("" | "yesterday") => SummaryDay::Yesterday,
        Some("today") => SummaryDay::Today,
        Some(_) => return Err(bad_day("`day` is today or yesterday.")),
    };
    ask(&state, DemandQuery::Summary, &SummaryRequest { day }).await
}

#[utoipa::path(get, path = "/api/v1/reports/forecast", tag = "reports",
    security(("bearer" = [])),
    params(("day" = Option<String>, Query, description = "A date, e.g. 2026-12-05 (tomorrow by default)")),
    responses(
        (status = 200, description = "The forecast per item and hour, as text", body = ReportView),
        crate::openapi::ReadProblems
    ))]
async fn forecast(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ForecastParams>, QueryRejection>,
) -> Result<Json<ReportView>, Problem> {
    caller.require_shop(Scope::Read)?;
    let Ok(Query(p)) = params else {
        return Err(bad_day("`day` is a date such as 2026-12-05."));
    };
    let day = match p.day.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| bad_day("`day` is a date such as 2026-12-05."))?,
        ),
    };
    ask(&state, DemandQuery::Forecast, &ForecastRequest { day }).await
}

fn bad_day(detail: &str) -> Problem {
    Problem::bad_request("bad_day", detail)
}

/// `GET /reports/dashboard`: today's sales per hour against the forecast
/// with its 80% range, the prep list, yesterday's best sellers and the
/// forecast's error over the last 28 days, as numbers (the dashboard draws
/// them).
#[utoipa::path(get, path = "/api/v1/reports/dashboard", tag = "reports",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Today's figures", body = Dashboard),
        crate::openapi::ReadProblems
    ))]
async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Dashboard>, Problem> {
    caller.require_shop(Scope::Read)?;
    Ok(Json(
        demand(&state, DemandQuery::Dashboard, &DashboardRequest {}).await?,
    ))
}

/// Asks the demand worker; its silence is a 503 that says what to start.
async fn demand<Q: Serialize, T: serde::de::DeserializeOwned>(
    state: &AppState,
    kind: DemandQuery,
    q: &Q,
) -> Result<T, Problem> {
    state
        .queries
        .ask(state.subjects.demand_query(kind), q, DEMAND_TIMEOUT)
        .await
        .map_err(|e| match e {
            chatorder_bus::QueryError::NoResponders { .. }
            | chatorder_bus::QueryError::TimedOut { .. } => Problem::unavailable(
                "The shop's demand worker is not answering (is `chatorder worker demand` \
                 running?). Try again shortly.",
            ),
            other => Problem::from(other),
        })
}

async fn ask<Q: Serialize>(
    state: &AppState,
    kind: DemandQuery,
    q: &Q,
) -> Result<Json<ReportView>, Problem> {
    let report: OwnerReport = demand(state, kind, q).await?;
    Ok(Json(ReportView {
        title: report.title,
        body: report.body,
        generated_at: report.generated_at,
    }))
}
