//! The customer bot's way to the order workers, on the shared bus: customer
//! commands over JetStream, queries over request/reply. The bot never opens
//! MySQL.
//!
//! Errors: sending returns the bus's `SendError` (the caller logs it and says
//! the shop is unreachable); asking returns [`Unanswered`], whose message is
//! the sentence to show the customer.

use std::time::Duration;

use async_nats::jetstream;
use chatorder_bus::{Commands, Queries, QueryError};
use chatorder_shared::domain::Role;
use chatorder_shared::queries::QueryRefusal;
use chatorder_shared::subjects::{QueryKind, Subjects};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::texts::{self, Texts};

const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Workers {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub subjects: Subjects,
    /// Customer commands, sent as this bot's customers ([`Commands::send`]).
    pub commands: Commands,
    queries: Queries,
}

impl Workers {
    pub fn new(client: async_nats::Client, subjects: Subjects) -> Self {
        let js = jetstream::new(client.clone());
        Self {
            commands: Commands::new(js.clone(), subjects.clone(), Role::Customer),
            queries: Queries::new(client.clone()),
            client,
            js,
            subjects,
        }
    }

    /// Asks the order workers.
    pub async fn query<Q: Serialize, T: DeserializeOwned>(
        &self,
        kind: QueryKind,
        q: &Q,
    ) -> Result<T, Unanswered> {
        self.queries
            .ask(self.subjects.query(kind), q, QUERY_TIMEOUT)
            .await
            .map_err(|e| match e {
                QueryError::Refused(why) => Unanswered::Refused(why),
                other => Unanswered::Unreachable(other),
            })
    }
}

/// Why a question to the order workers has no answer to show. Its
/// message is the English sentence (for logs); [`Unanswered::say`] words it
/// in the customer's language.
#[derive(Debug, thiserror::Error)]
pub enum Unanswered {
    /// The workers answered and refused ("I couldn't find order #999999").
    #[error("{}", texts::English.query_refused(.0))]
    Refused(QueryRefusal),
    /// Nobody answered in time, or the answer could not be read.
    #[error("{}", texts::English.shop_unreachable())]
    Unreachable(#[source] QueryError),
}

impl Unanswered {
    /// The sentence for the customer, in their language.
    pub fn say(&self, t: &dyn Texts) -> String {
        match self {
            Unanswered::Refused(why) => t.query_refused(why),
            Unanswered::Unreachable(_) => t.shop_unreachable(),
        }
    }
}
