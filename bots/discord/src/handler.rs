//! Interactions: slash commands, button presses and the reason form. Every
//! one is answered within Discord's three seconds (a deferral first when
//! there is work to do), and nothing changes unless the presser is an owner.
//! The order worker checks the actor again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chatorder_shared::commands::{
    CatalogChange, CatalogItemInput, SendMessage, SetStatus, ShopChange,
};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, OrderNumber, OrderStatus, Platform, Role};
use chatorder_shared::events::OrderSnapshot;
use chatorder_shared::owners::{ForecastRequest, SummaryRequest};
use chatorder_shared::queries::{
    Catalog, GetOrder, ListCatalog, ListPromos, OrderPage, PendingOrders, PromoList,
};
use chatorder_shared::subjects::{CommandKind, DemandQuery, QueryKind};
use serenity::all::{
    ActionRowComponent, CommandInteraction, ComponentInteraction, Context, CreateActionRow,
    CreateAttachment, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateModal,
    EditInteractionResponse, EditMessage, EventHandler, Http, InputTextStyle, Interaction, Member,
    Message, ModalInteraction, Ready, User,
};

use crate::commands::{self, OwnerCommand};
use crate::discord::{embed, no_mentions, rows};
use crate::ids::{Click, List, REASON_FIELD, ReasonForm};
use crate::render::{self, Button, Card, PAGE_SIZE, limits};
use crate::texts;
use crate::verdicts::Verdicts;
use crate::workers::Workers;
use tracing::Instrument as _;

/// How long an owner waits for the worker's verdict before being told it
/// is on its way.
const VERDICT_WAIT: Duration = Duration::from_secs(8);

pub struct App {
    pub settings: Arc<Settings>,
    pub workers: Workers,
    pub verdicts: Arc<Verdicts>,
}

/// What the bot answers: text, maybe a card, maybe buttons, maybe a file.
#[derive(Debug, Default)]
pub struct Reply {
    pub content: String,
    pub card: Option<Card>,
    pub rows: Vec<Vec<Button>>,
    pub file: Option<File>,
}

/// A file attached to an answer.
#[derive(Debug)]
pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub(crate) fn text(s: impl Into<String>) -> Self {
        Self {
            content: s.into(),
            ..Self::default()
        }
    }

    fn content(&self) -> String {
        render::clip(&self.content, limits::CONTENT)
    }

    fn edit(&self) -> EditInteractionResponse {
        let mut e = EditInteractionResponse::new()
            .content(self.content())
            .components(rows(&self.rows))
            .allowed_mentions(no_mentions());
        if let Some(card) = &self.card {
            e = e.embed(embed(card));
        }
        if let Some(f) = &self.file {
            e = e.new_attachment(CreateAttachment::bytes(f.bytes.clone(), &f.name));
        }
        e
    }

    fn message(&self) -> CreateInteractionResponseMessage {
        let mut m = CreateInteractionResponseMessage::new()
            .content(self.content())
            .components(rows(&self.rows))
            .allowed_mentions(no_mentions());
        if let Some(card) = &self.card {
            m = m.embed(embed(card));
        }
        m
    }
}

/// The actor a Discord user is: id, display name and roles as the bot saw them.
pub fn actor_of(user: &User, member: Option<&Member>) -> Actor {
    let name = member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    Actor {
        role: Role::Owner,
        platform: Platform::Discord,
        id: user.id.get().to_string(),
        name: Some(render::clip(&name, Actor::MAX_NAME_LEN)),
        roles: member
            .map(|m| m.roles.iter().map(|r| r.get().to_string()).collect())
            .unwrap_or_default(),
    }
}

fn ephemeral(text: String) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(render::clip(&text, limits::CONTENT))
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
}

fn api_failed(what: &'static str, e: &serenity::Error) {
    crate::metrics::api_error(what);
    tracing::warn!(error = %e, "Discord call failed: {what}");
}

impl App {
    fn allowed(&self, actor: &Actor) -> bool {
        self.settings.is_owner(actor)
    }

    /// A slash command: refuse, or defer and then answer.
    pub async fn command(&self, http: &Http, cmd: &CommandInteraction) {
        let started = Instant::now();
        let actor = actor_of(&cmd.user, cmd.member.as_deref());
        if !self.allowed(&actor) {
            tracing::info!(user = %actor.id, command = %cmd.data.name, "refused a non-owner");
            if let Err(e) = cmd
                .create_response(http, ephemeral(texts::not_an_owner()))
                .await
            {
                api_failed("respond", &e);
            }
            crate::metrics::interaction("command", "refused", started);
            return;
        }
        let parsed = commands::parse(&cmd.data.name, &commands::options(&cmd.data.options));
        let owner_cmd = match parsed {
            Ok(c) => c,
            Err(why) => {
                if let Err(e) = cmd.create_response(http, ephemeral(why.to_string())).await {
                    api_failed("respond", &e);
                }
                crate::metrics::interaction("command", "invalid", started);
                return;
            }
        };
        let defer = CreateInteractionResponse::Defer(
            CreateInteractionResponseMessage::new().ephemeral(true),
        );
        if let Err(e) = cmd.create_response(http, defer).await {
            api_failed("defer", &e);
            crate::metrics::interaction("command", "error", started);
            return;
        }
        crate::metrics::interaction("command", "ok", started);
        let reply = self.execute(owner_cmd, &actor).await;
        if let Err(e) = cmd.edit_response(http, reply.edit()).await {
            api_failed("edit_response", &e);
        }
    }

    async fn execute(&self, cmd: OwnerCommand, actor: &Actor) -> Reply {
        match cmd {
            OwnerCommand::Pending { page } => self.pending(actor, page).await,
            OwnerCommand::Order { number } => {
                let q = GetOrder {
                    actor: actor.clone(),
                    number,
                };
                match self
                    .workers
                    .query::<_, OrderSnapshot>(QueryKind::Get, &q)
                    .await
                {
                    Ok(order) => {
                        let b = render::board_message(&order, None);
                        Reply {
                            content: String::new(),
                            card: Some(b.card),
                            rows: b.rows,
                            file: None,
                        }
                    }
                    Err(why) => Reply::text(why.to_string()),
                }
            }
            OwnerCommand::Status { number, to, reason } => {
                let data = SetStatus {
                    number,
                    status: to,
                    reason,
                    expected_version: None,
                };
                Reply::text(self.act(CommandKind::Status, actor, data).await)
            }
            OwnerCommand::Reply { number, text } => {
                let data = SendMessage { number, text };
                Reply::text(self.act(CommandKind::Message, actor, data).await)
            }
            OwnerCommand::CatalogList { page } => self.catalog(page).await,
            OwnerCommand::CatalogAdd {
                sku,
                name,
                category,
                size,
                price_minor,
            } => {
                let change = CatalogChange::Upsert {
                    item: CatalogItemInput {
                        sku,
                        name,
                        size,
                        category,
                        price_minor,
                        available: true,
                    },
                };
                Reply::text(self.act(CommandKind::Catalog, actor, change).await)
            }
            OwnerCommand::CatalogPrice { sku, price_minor } => {
                let change = CatalogChange::Price { sku, price_minor };
                Reply::text(self.act(CommandKind::Catalog, actor, change).await)
            }
            OwnerCommand::CatalogEnable { sku } => Reply::text(
                self.act(CommandKind::Catalog, actor, CatalogChange::Enable { sku })
                    .await,
            ),
            OwnerCommand::CatalogDisable { sku } => Reply::text(
                self.act(CommandKind::Catalog, actor, CatalogChange::Disable { sku })
                    .await,
            ),
            OwnerCommand::Pause { minutes, reason } => Reply::text(
                self.act(
                    CommandKind::Shop,
                    actor,
                    ShopChange::Pause { minutes, reason },
                )
                .await,
            ),
            OwnerCommand::Resume => {
                Reply::text(self.act(CommandKind::Shop, actor, ShopChange::Resume).await)
            }
            OwnerCommand::Summary { day } => {
                let q = SummaryRequest { day };
                match self.workers.demand(DemandQuery::Summary, &q).await {
                    Ok(r) => Reply::text(format!("**{}**\n{}", r.title, r.body)),
                    Err(why) => Reply::text(why.to_string()),
                }
            }
            OwnerCommand::Forecast => {
                match self
                    .workers
                    .demand(DemandQuery::Forecast, &ForecastRequest::default())
                    .await
                {
                    Ok(r) => Reply::text(format!("**{}**\n{}", r.title, r.body)),
                    Err(why) => Reply::text(why.to_string()),
                }
            }
            OwnerCommand::PromoCreate(draft) => {
                let tz = self.settings.shop.time_zone;
                let today = chrono::Utc::now().with_timezone(&tz).date_naive();
                let change = ShopChange::PromoCreate {
                    promo: draft.terms(today),
                };
                Reply::text(self.act(CommandKind::Shop, actor, change).await)
            }
            OwnerCommand::PromoDisable { code } => Reply::text(
                self.act(CommandKind::Shop, actor, ShopChange::PromoDisable { code })
                    .await,
            ),
            OwnerCommand::PromoList => {
                let q = ListPromos {
                    actor: actor.clone(),
                };
                match self
                    .workers
                    .query::<_, PromoList>(QueryKind::Promos, &q)
                    .await
                {
                    Ok(list) => Reply::text(crate::promo::list(
                        &list.promos,
                        self.settings.shop.currency,
                    )),
                    Err(why) => Reply::text(why.to_string()),
                }
            }
            OwnerCommand::Export { from, to } => {
                let tz = self.settings.shop.time_zone;
                crate::export::run(&self.workers, tz, actor, from, to).await
            }
        }
    }

    /// Sends an owner command and says how it went.
    async fn act<T: serde::Serialize>(&self, kind: CommandKind, actor: &Actor, data: T) -> String {
        let env_id = uuid::Uuid::now_v7();
        let waiting = self.verdicts.expect(env_id);
        match self.workers.commands.send(kind, actor, env_id, data).await {
            Ok(()) => match waiting.wait(VERDICT_WAIT).await {
                Some(verdict) => texts::verdict(&verdict, self.settings.shop.time_zone),
                None => texts::sent_but_unconfirmed(),
            },
            Err(e) => texts::not_sent(&e),
        }
    }

    async fn pending(&self, actor: &Actor, page: u32) -> Reply {
        let q = PendingOrders {
            actor: actor.clone(),
            limit: u32::try_from(PAGE_SIZE).unwrap_or(10),
            offset: page.saturating_mul(u32::try_from(PAGE_SIZE).unwrap_or(10)),
        };
        match self
            .workers
            .query::<_, OrderPage>(QueryKind::Pending, &q)
            .await
        {
            Ok(p) => {
                let page = render::pending_page(&p.orders, p.total, page);
                Reply {
                    content: page.content,
                    card: None,
                    rows: vec![page.buttons],
                    file: None,
                }
            }
            Err(why) => Reply::text(why.to_string()),
        }
    }

    async fn catalog(&self, page: u32) -> Reply {
        match self
            .workers
            .query::<_, Catalog>(QueryKind::Catalog, &ListCatalog {})
            .await
        {
            Ok(c) => {
                let page = render::catalog_page(&c.items, page);
                Reply {
                    content: page.content,
                    card: None,
                    rows: vec![page.buttons],
                    file: None,
                }
            }
            Err(why) => Reply::text(why.to_string()),
        }
    }

    /// A button press.
    pub async fn click(&self, http: &Http, c: &ComponentInteraction) {
        let started = Instant::now();
        let actor = actor_of(&c.user, c.member.as_ref());
        if !self.allowed(&actor) {
            tracing::info!(user = %actor.id, button = %c.data.custom_id, "refused a non-owner");
            if let Err(e) = c
                .create_response(http, ephemeral(texts::not_an_owner()))
                .await
            {
                api_failed("respond", &e);
            }
            crate::metrics::interaction("button", "refused", started);
            return;
        }
        match Click::parse(&c.data.custom_id) {
            None => {
                if let Err(e) = c
                    .create_response(http, ephemeral(texts::stale_button()))
                    .await
                {
                    api_failed("respond", &e);
                }
                crate::metrics::interaction("button", "invalid", started);
            }
            Some(Click::Page { list, page }) => {
                // Paging must answer fast: the queries are Redis-first.
                let reply = match list {
                    List::Pending => self.pending(&actor, page).await,
                    List::Catalog => self.catalog(page).await,
                };
                let resp = CreateInteractionResponse::UpdateMessage(reply.message());
                if let Err(e) = c.create_response(http, resp).await {
                    api_failed("respond", &e);
                }
                crate::metrics::interaction("button", "ok", started);
            }
            Some(Click::Move { number, to })
                if matches!(to, OrderStatus::Cancelled | OrderStatus::Rejected) =>
            {
                let (title, label) = texts::reason_prompt(number, to);
                let input = CreateInputText::new(InputTextStyle::Paragraph, label, REASON_FIELD)
                    .max_length(u16::try_from(commands::MAX_REASON_CHARS).unwrap_or(500))
                    .required(to == OrderStatus::Cancelled);
                let modal = CreateModal::new(ReasonForm { number, to }.encode(), title)
                    .components(vec![CreateActionRow::InputText(input)]);
                if let Err(e) = c
                    .create_response(http, CreateInteractionResponse::Modal(modal))
                    .await
                {
                    api_failed("respond", &e);
                }
                crate::metrics::interaction("button", "ok", started);
            }
            Some(Click::Move { number, to }) => {
                if let Err(e) = c
                    .create_response(http, CreateInteractionResponse::Acknowledge)
                    .await
                {
                    api_failed("respond", &e);
                    crate::metrics::interaction("button", "error", started);
                    return;
                }
                crate::metrics::interaction("button", "ok", started);
                let data = SetStatus {
                    number,
                    status: to,
                    reason: None,
                    expected_version: None,
                };
                self.act_and_follow_up(http, &c.token, &actor, data, Some(&c.message))
                    .await;
            }
        }
    }

    /// Moves an order for a button or form, telling the owner only if the
    /// worker refused (the board shows success by itself). A refusal means
    /// the card pressed may be behind the order: it is shown afresh.
    async fn act_and_follow_up(
        &self,
        http: &Http,
        token: &str,
        actor: &Actor,
        data: SetStatus,
        card: Option<&Message>,
    ) {
        let number = data.number;
        let env_id = uuid::Uuid::now_v7();
        let waiting = self.verdicts.expect(env_id);
        let note = match self
            .workers
            .commands
            .send(CommandKind::Status, actor, env_id, data)
            .await
        {
            Err(e) => Some(texts::not_sent(&e)),
            Ok(()) => match waiting.wait(VERDICT_WAIT).await {
                Some(env) if matches!(env.data, chatorder_shared::events::Event::Rejected(_)) => {
                    Some(texts::verdict(&env, self.settings.shop.time_zone))
                }
                _ => None,
            },
        };
        if note.is_some()
            && let Some(card) = card
        {
            self.refresh_card(http, actor, number, card).await;
        }
        if let Some(note) = note {
            let follow = CreateInteractionResponseFollowup::new()
                .content(render::clip(&note, limits::CONTENT))
                .ephemeral(true)
                .allowed_mentions(no_mentions());
            if let Err(e) = http.create_followup_message(token, &follow, vec![]).await {
                api_failed("followup", &e);
            }
        }
    }

    /// Shows the order as it is now on `card`, if the card's title says
    /// otherwise (a card left behind by a lost edit keeps offering a move
    /// the worker refuses; this heals it). Best effort: the board's own
    /// events show the order too.
    async fn refresh_card(&self, http: &Http, actor: &Actor, number: OrderNumber, card: &Message) {
        let q = GetOrder {
            actor: actor.clone(),
            number,
        };
        let order = match self
            .workers
            .query::<_, OrderSnapshot>(QueryKind::Get, &q)
            .await
        {
            Ok(order) => order,
            Err(why) => {
                tracing::info!(order = %number, error = %why, "could not read the order to refresh its card");
                return;
            }
        };
        let board = render::board_message(&order, None);
        let shown = card.embeds.first().and_then(|e| e.title.as_deref());
        if shown == Some(board.card.title.as_str()) {
            return;
        }
        tracing::info!(order = %number, shown = ?shown, now = %board.card.title, "a refused press came from a card behind the order; showing it afresh");
        let edit = EditMessage::new()
            .content("")
            .embed(embed(&board.card))
            .components(rows(&board.rows))
            .allowed_mentions(no_mentions());
        match card.channel_id.edit_message(http, card.id, edit).await {
            Ok(_) => crate::metrics::board("refreshed"),
            Err(e) => api_failed("edit", &e),
        }
    }

    /// The reason form, submitted.
    pub async fn modal(&self, http: &Http, m: &ModalInteraction) {
        let started = Instant::now();
        let actor = actor_of(&m.user, m.member.as_ref());
        if !self.allowed(&actor) {
            if let Err(e) = m
                .create_response(http, ephemeral(texts::not_an_owner()))
                .await
            {
                api_failed("respond", &e);
            }
            crate::metrics::interaction("modal", "refused", started);
            return;
        }
        let Some(form) = ReasonForm::parse(&m.data.custom_id) else {
            if let Err(e) = m
                .create_response(http, ephemeral(texts::stale_button()))
                .await
            {
                api_failed("respond", &e);
            }
            crate::metrics::interaction("modal", "invalid", started);
            return;
        };
        let reason = m
            .data
            .components
            .iter()
            .flat_map(|row| row.components.iter())
            .find_map(|c| match c {
                ActionRowComponent::InputText(t) if t.custom_id == REASON_FIELD => t.value.clone(),
                _ => None,
            })
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .map(|r| render::clip(&r, commands::MAX_REASON_CHARS));
        if let Err(e) = m
            .create_response(http, CreateInteractionResponse::Acknowledge)
            .await
        {
            api_failed("respond", &e);
            crate::metrics::interaction("modal", "error", started);
            return;
        }
        crate::metrics::interaction("modal", "ok", started);
        let data = SetStatus {
            number: form.number,
            status: form.to,
            reason,
            expected_version: None,
        };
        self.act_and_follow_up(http, &m.token, &actor, data, m.message.as_deref())
            .await;
    }
}

pub struct Handler {
    pub app: Arc<App>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(bot = %ready.user.name, "Discord gateway ready");
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let span = tracing::info_span!("interaction", id = %interaction.id());
        async {
            match interaction {
                Interaction::Command(c) => self.app.command(&ctx.http, &c).await,
                Interaction::Component(c) => self.app.click(&ctx.http, &c).await,
                Interaction::Modal(m) => self.app.modal(&ctx.http, &m).await,
                _ => {}
            }
        }
        .instrument(span)
        .await;
    }
}
