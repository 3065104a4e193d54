//! Subject and stream names, all derived from one optional prefix.
//!
//! Production uses no prefix. Tests give every test its own prefix so that
//! streams, consumers and subjects never collide between parallel tests.

use crate::domain::Role;

/// What a command subject asks for (its last token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    Register,
    Place,
    Update,
    Cancel,
    Message,
    Status,
    Catalog,
    /// Pause or resume taking orders; create or switch off promo codes.
    Shop,
}

impl CommandKind {
    pub fn token(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Place => "place",
            Self::Update => "update",
            Self::Cancel => "cancel",
            Self::Message => "message",
            Self::Status => "status",
            Self::Catalog => "catalog",
            Self::Shop => "shop",
        }
    }

    /// The envelope `type` a command on this subject must carry.
    pub fn envelope_type(self) -> &'static str {
        match self {
            Self::Register => "customer.register",
            Self::Place => "order.place",
            Self::Update => "order.update",
            Self::Cancel => "order.cancel",
            Self::Message => "order.message",
            Self::Status => "order.status",
            Self::Catalog => "catalog.change",
            Self::Shop => "shop.change",
        }
    }

    /// Which roles may publish this command at all.
    pub fn allowed_for(self, role: Role) -> bool {
        matches!(
            (role, self),
            (
                Role::Customer,
                Self::Register | Self::Place | Self::Update | Self::Cancel | Self::Message
            ) | (
                Role::Owner,
                Self::Status | Self::Cancel | Self::Message | Self::Catalog | Self::Shop
            )
        )
    }

    fn from_token(token: &str) -> Option<Self> {
        [
            Self::Register,
            Self::Place,
            Self::Update,
            Self::Cancel,
            Self::Message,
            Self::Status,
            Self::Catalog,
            Self::Shop,
        ]
        .into_iter()
        .find(|k| k.token() == token)
    }
}

/// Every event subject (last token of `orders.evt.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Placed,
    Updated,
    Cancelled,
    StatusChanged,
    Rejected,
    Message,
    CatalogChanged,
    ShopChanged,
    PromoChanged,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        Self::Placed,
        Self::Updated,
        Self::Cancelled,
        Self::StatusChanged,
        Self::Rejected,
        Self::Message,
        Self::CatalogChanged,
        Self::ShopChanged,
        Self::PromoChanged,
    ];

    pub fn token(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Updated => "updated",
            Self::Cancelled => "cancelled",
            Self::StatusChanged => "status_changed",
            Self::Rejected => "rejected",
            Self::Message => "message",
            Self::CatalogChanged => "catalog_changed",
            Self::ShopChanged => "shop_changed",
            Self::PromoChanged => "promo_changed",
        }
    }

    pub fn envelope_type(self) -> &'static str {
        match self {
            Self::Placed => "order.placed",
            Self::Updated => "order.updated",
            Self::Cancelled => "order.cancelled",
            Self::StatusChanged => "order.status_changed",
            Self::Rejected => "command.rejected",
            Self::Message => "order.message",
            Self::CatalogChanged => "catalog.changed",
            Self::ShopChanged => "shop.changed",
            Self::PromoChanged => "promo.changed",
        }
    }

    pub fn from_envelope_type(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.envelope_type() == kind)
    }
}

/// Request/reply queries served by the order workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryKind {
    /// `orders.query.get`: one order by number.
    Get,
    /// `orders.query.pending`: the pending queue, oldest first.
    Pending,
    /// `orders.query.customer`: a customer's recent orders.
    Customer,
    /// `catalog.query.list`: the catalog.
    Catalog,
    /// `orders.query.list`: orders filtered and paged by cursor, newest
    /// first (a customer's own; every order for an owner).
    List,
    /// `orders.query.messages`: the messages about one order.
    Messages,
    /// `orders.query.owner.promos`: the promo codes (owners only).
    Promos,
    /// `orders.query.quote`: what a promo code takes off a customer's
    /// lines now (the Telegram bot's bill, with payments on).
    Quote,
}

impl QueryKind {
    pub const ALL: [QueryKind; 8] = [
        Self::Get,
        Self::Pending,
        Self::Customer,
        Self::Catalog,
        Self::List,
        Self::Messages,
        Self::Promos,
        Self::Quote,
    ];

    fn path(self) -> &'static str {
        match self {
            Self::Get => "orders.query.get",
            Self::Pending => "orders.query.pending",
            Self::Customer => "orders.query.customer",
            Self::Catalog => "catalog.query.list",
            Self::List => "orders.query.list",
            Self::Messages => "orders.query.messages",
            // Owners only: asked on `orders.query.owner.promos`; a customer
            // asking here is refused `not_owner`.
            Self::Promos => "orders.query.promos",
            Self::Quote => "orders.query.quote",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Pending => "pending",
            Self::Customer => "customer",
            Self::Catalog => "catalog",
            Self::List => "list",
            Self::Messages => "messages",
            Self::Promos => "promos",
            Self::Quote => "quote",
        }
    }
}

/// Request/reply queries served by the demand worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DemandQuery {
    /// `demand.query.summary`: a day's figures for the owners.
    Summary,
    /// `demand.query.forecast`: the latest forecast.
    Forecast,
    /// `demand.query.dashboard`: today's figures as numbers.
    Dashboard,
}

impl DemandQuery {
    pub fn label(self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::Forecast => "forecast",
            Self::Dashboard => "dashboard",
        }
    }
}

/// A `nats.prefix` that NATS could not use as subject tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "nats.prefix `{0}` is not valid: use tokens of letters, digits, `_` or `-` separated by `.`"
)]
pub struct InvalidPrefix(pub String);

/// Subject and stream names under one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    prefix: String,
}

impl Subjects {
    /// `prefix` is empty in production; otherwise it must end with `.`
    /// (one is added if missing) and contain only `[A-Za-z0-9_-]` tokens.
    pub fn new(prefix: &str) -> Result<Self, InvalidPrefix> {
        let mut prefix = prefix.trim().to_owned();
        if !prefix.is_empty() && !prefix.ends_with('.') {
            prefix.push('.');
        }
        let valid = prefix.split('.').filter(|t| !t.is_empty()).all(|t| {
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
        if !valid || prefix.contains("..") {
            return Err(InvalidPrefix(prefix));
        }
        Ok(Self { prefix })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Stream names carry the prefix too, upper-cased, because stream
    /// subjects may not overlap between streams.
    pub fn stream(&self, base: &str) -> String {
        let p: String = self
            .prefix
            .chars()
            .map(|c| match c {
                '.' | '-' => '_',
                c => c.to_ascii_uppercase(),
            })
            .collect();
        format!("{p}{base}")
    }

    pub fn commands_stream(&self) -> String {
        self.stream("ORDERS_CMD")
    }
    pub fn events_stream(&self) -> String {
        self.stream("ORDERS_EVT")
    }
    pub fn owners_stream(&self) -> String {
        self.stream("OWNERS")
    }
    pub fn dead_letter_stream(&self) -> String {
        self.stream("ORDERS_DLQ")
    }

    pub fn command(&self, role: Role, kind: CommandKind) -> String {
        format!(
            "{}orders.cmd.{}.{}",
            self.prefix,
            role.as_str(),
            kind.token()
        )
    }
    pub fn commands_wildcard(&self) -> String {
        format!("{}orders.cmd.>", self.prefix)
    }

    pub fn event(&self, kind: EventKind) -> String {
        format!("{}orders.evt.{}", self.prefix, kind.token())
    }
    pub fn events_wildcard(&self) -> String {
        format!("{}orders.evt.>", self.prefix)
    }

    pub fn owners_summary(&self) -> String {
        format!("{}owners.summary", self.prefix)
    }
    pub fn owners_alert(&self) -> String {
        format!("{}owners.alert", self.prefix)
    }
    pub fn owners_wildcard(&self) -> String {
        format!("{}owners.>", self.prefix)
    }

    /// Where a command that could not be processed goes, keeping its origin
    /// visible: `orders.dlq.orders.cmd.customer.place`.
    pub fn dead_letter(&self, original: &str) -> String {
        let rest = original.strip_prefix(&self.prefix).unwrap_or(original);
        format!("{}orders.dlq.{rest}", self.prefix)
    }
    pub fn dead_letter_wildcard(&self) -> String {
        format!("{}orders.dlq.>", self.prefix)
    }

    pub fn demand_query(&self, kind: DemandQuery) -> String {
        format!("{}demand.query.{}", self.prefix, kind.label())
    }

    pub fn owners_post(&self, kind: crate::owners::PostKind) -> String {
        format!("{}owners.{}", self.prefix, kind.as_str())
    }

    /// A customer's query (and the public catalog). Owners ask on
    /// [`Self::owner_query`], so that NATS permissions can keep the customer
    /// bot away from owners' queries (docs/security.md).
    pub fn query(&self, kind: QueryKind) -> String {
        format!("{}{}", self.prefix, kind.path())
    }

    /// An owner's query: `orders.query.owner.{get,pending}`. The catalog is
    /// the same for everyone.
    pub fn owner_query(&self, kind: QueryKind) -> String {
        match kind {
            QueryKind::Catalog => self.query(kind),
            _ => format!("{}orders.query.owner.{}", self.prefix, kind.label()),
        }
    }

    /// Which query a subject names, and the role its subject grants.
    pub fn parse_query(&self, subject: &str) -> Option<(Role, QueryKind)> {
        let rest = subject.strip_prefix(&self.prefix)?;
        if let Some(label) = rest.strip_prefix("orders.query.owner.") {
            return [
                QueryKind::Get,
                QueryKind::Pending,
                QueryKind::List,
                QueryKind::Messages,
                QueryKind::Promos,
            ]
            .into_iter()
            .find(|k| k.label() == label)
            .map(|k| (Role::Owner, k));
        }
        QueryKind::ALL
            .into_iter()
            .find(|k| k.path() == rest)
            .map(|k| (Role::Customer, k))
    }

    /// The role and command a command subject names, if it is one.
    pub fn parse_command(&self, subject: &str) -> Option<(Role, CommandKind)> {
        let rest = subject.strip_prefix(&self.prefix)?;
        let rest = rest.strip_prefix("orders.cmd.")?;
        let (role, action) = rest.split_once('.')?;
        let role = match role {
            "customer" => Role::Customer,
            "owner" => Role::Owner,
            _ => return None,
        };
        let kind = CommandKind::from_token(action)?;
        kind.allowed_for(role).then_some((role, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_names() {
        let s = Subjects::new("t42").expect("valid prefix");
        assert_eq!(s.commands_stream(), "T42_ORDERS_CMD");
        assert_eq!(
            s.command(Role::Customer, CommandKind::Place),
            "t42.orders.cmd.customer.place"
        );
        assert_eq!(
            s.dead_letter("t42.orders.cmd.customer.place"),
            "t42.orders.dlq.orders.cmd.customer.place"
        );
        assert_eq!(s.query(QueryKind::Catalog), "t42.catalog.query.list");
        assert_eq!(
            s.parse_query("t42.orders.query.get"),
            Some((Role::Customer, QueryKind::Get))
        );
        assert_eq!(
            s.owner_query(QueryKind::Pending),
            "t42.orders.query.owner.pending"
        );
        assert_eq!(
            s.parse_query("t42.orders.query.owner.pending"),
            Some((Role::Owner, QueryKind::Pending))
        );
        assert_eq!(s.parse_query("t42.orders.query.owner.customer"), None);
        assert_eq!(
            s.owner_query(QueryKind::Catalog),
            s.query(QueryKind::Catalog)
        );
    }

    #[test]
    fn parse_command_subjects() {
        let s = Subjects::new("").expect("empty prefix");
        assert_eq!(
            s.parse_command("orders.cmd.owner.status"),
            Some((Role::Owner, CommandKind::Status))
        );
        assert_eq!(s.parse_command("orders.cmd.customer.status"), None);
        assert_eq!(s.parse_command("orders.cmd.owner.place"), None);
        assert_eq!(s.parse_command("orders.evt.placed"), None);
        assert!(Subjects::new("bad prefix").is_err());
        assert!(Subjects::new("a..b").is_err());
    }
}
