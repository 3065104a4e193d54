//! A tiny serenity bot that exercises the stand-in the way the owner bot will.
//!
//! Everything it observes comes back through Discord itself (interaction replies and
//! messages), so tests wait on the stand-in and never on the bot's internals.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chatorder_discord_standin::StandIn;
use serde_json::json;
use serenity::all::{
    ActionRowComponent, ButtonStyle, ChannelId, Client, ClientBuilder, CommandInteraction,
    ComponentInteraction, Context, CreateActionRow, CreateAllowedMentions, CreateButton,
    CreateCommand, CreateInputText, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, CreateThread,
    EditInteractionResponse, EventHandler, GatewayIntents, GuildId, HttpBuilder, InputTextStyle,
    Interaction, Message, MessageId, ModalInteraction, Ready, ShardManager,
};
use serenity::async_trait;
use serenity::http::{Http, HttpError};
use tokio::task::JoinHandle;

pub const TOKEN: &str = "standin-test-token";
pub const WAIT: Duration = Duration::from_secs(15);
/// The file the probe's `/attach` answers with: commas, quotes and a line break in cells.
pub const ATTACHED_CSV: &[u8] = b"name,note\n\"O'Hara, \"\"Bo\"\"\",\"two\nlines\"\n";

/// Serenity's HTTP client pointed at the stand-in, the way the owner bot builds it.
pub fn http(standin: &StandIn) -> Http {
    HttpBuilder::new(TOKEN)
        .proxy(standin.url())
        .ratelimiter_disabled(true)
        .build()
}

/// A running probe bot.
pub struct Bot {
    pub manager: Arc<ShardManager>,
    pub task: JoinHandle<serenity::Result<()>>,
}

impl Bot {
    /// Starts a probe bot named `label` (it signs its replies with it).
    pub async fn start(standin: &StandIn, label: &str) -> anyhow::Result<Bot> {
        let probe = Probe {
            label: label.to_owned(),
            board: Arc::new(Mutex::new(None)),
        };
        let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
        let mut client: Client = ClientBuilder::new_with_http(http(standin), intents)
            .event_handler(probe)
            .await?;
        let manager = Arc::clone(&client.shard_manager);
        let task = tokio::spawn(async move { client.start().await });
        Ok(Bot { manager, task })
    }

    pub async fn stop(self) {
        self.manager.shutdown_all().await;
        self.task.abort();
    }
}

struct Probe {
    label: String,
    board: Arc<Mutex<Option<MessageId>>>,
}

fn describe(e: &serenity::Error) -> String {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            format!("http {} code {}", r.status_code.as_u16(), r.error.code)
        }
        other => format!("other {other}"),
    }
}

fn board_buttons(disabled: bool) -> Vec<CreateActionRow> {
    vec![CreateActionRow::Buttons(vec![
        CreateButton::new("accept")
            .label("Accept")
            .style(ButtonStyle::Success)
            .disabled(disabled),
        CreateButton::new("reject")
            .label("Reject")
            .style(ButtonStyle::Danger)
            .disabled(disabled),
    ])]
}

fn commands() -> Vec<CreateCommand> {
    [
        "ping", "long", "limited", "slow", "thread", "reason", "twice", "attach",
    ]
    .into_iter()
    .map(|name| CreateCommand::new(name).description(format!("Probe {name}")))
    .collect()
}

impl Probe {
    async fn reply(&self, ctx: &Context, cmd: &CommandInteraction, text: String) {
        let message = CreateInteractionResponseMessage::new()
            .content(text)
            .ephemeral(true);
        if let Err(e) = cmd
            .create_response(&ctx.http, CreateInteractionResponse::Message(message))
            .await
        {
            tracing::error!("reply failed: {e}");
        }
    }

    async fn command(&self, ctx: &Context, cmd: CommandInteraction) -> serenity::Result<()> {
        let channel = ChannelId::new(StandIn::CHANNEL_ID);
        match cmd.data.name.as_str() {
            "ping" => {
                self.reply(ctx, &cmd, format!("pong from {}", self.label))
                    .await
            }
            "long" => {
                let too_long = "x".repeat(2001);
                let builder = channel
                    .send_message(&ctx.http, CreateMessage::new().content(&too_long))
                    .await;
                let raw = ctx
                    .http
                    .send_message(channel, vec![], &json!({ "content": too_long }))
                    .await;
                let six: Vec<CreateButton> = (0..6)
                    .map(|i| CreateButton::new(format!("b{i}")).label("b"))
                    .collect();
                let wide = CreateMessage::new()
                    .content("wide")
                    .components(vec![CreateActionRow::Buttons(six)]);
                let wide = channel.send_message(&ctx.http, wide).await;
                let text = format!(
                    "builder: {}; raw: {}; wide: {}",
                    builder.err().map(|e| describe(&e)).unwrap_or_default(),
                    raw.err().map(|e| describe(&e)).unwrap_or_default(),
                    wide.err().map(|e| describe(&e)).unwrap_or_default(),
                );
                self.reply(ctx, &cmd, text).await;
            }
            "limited" => {
                // With the ratelimiter disabled serenity hands 429 back; back off and retry.
                let mut tries = 0;
                loop {
                    tries += 1;
                    match channel.say(&ctx.http, "after the rate limit").await {
                        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(r)))
                            if r.status_code.as_u16() == 429 && tries < 5 =>
                        {
                            tokio::time::sleep(Duration::from_millis(250)).await;
                        }
                        other => {
                            other?;
                            break;
                        }
                    }
                }
                self.reply(ctx, &cmd, format!("posted after {tries} tries"))
                    .await;
            }
            "slow" => {
                cmd.defer(&ctx.http).await?;
                cmd.edit_response(
                    &ctx.http,
                    EditInteractionResponse::new().content("slow done"),
                )
                .await?;
                let followup = CreateInteractionResponseFollowup::new()
                    .content("a follow-up")
                    .ephemeral(true);
                cmd.create_followup(&ctx.http, followup).await?;
            }
            "thread" => {
                cmd.defer_ephemeral(&ctx.http).await?;
                let board = self
                    .board
                    .lock()
                    .expect("board lock")
                    .ok_or(serenity::Error::Other("no board"))?;
                let thread = channel
                    .create_thread_from_message(&ctx.http, board, CreateThread::new("order-1"))
                    .await?;
                thread.id.say(&ctx.http, "thread opened").await?;
                let text = format!(
                    "thread {} parent {:?}",
                    thread.id,
                    thread.parent_id.map(|p| p.get())
                );
                cmd.edit_response(&ctx.http, EditInteractionResponse::new().content(text))
                    .await?;
            }
            "reason" => {
                let input = CreateInputText::new(InputTextStyle::Short, "Reason", "reason");
                let modal = CreateModal::new("why", "Why?")
                    .components(vec![CreateActionRow::InputText(input)]);
                cmd.create_response(&ctx.http, CreateInteractionResponse::Modal(modal))
                    .await?;
            }
            "twice" => {
                let first = CreateInteractionResponseMessage::new().content("first");
                cmd.create_response(&ctx.http, CreateInteractionResponse::Message(first))
                    .await?;
                let second = CreateInteractionResponseMessage::new().content("second");
                let outcome = cmd
                    .create_response(&ctx.http, CreateInteractionResponse::Message(second))
                    .await;
                let text = format!(
                    "second: {}",
                    outcome.err().map(|e| describe(&e)).unwrap_or_default()
                );
                cmd.create_followup(
                    &ctx.http,
                    CreateInteractionResponseFollowup::new().content(text),
                )
                .await?;
            }
            "attach" => {
                let file = serenity::all::CreateAttachment::bytes(b"order 7".to_vec(), "order.txt");
                let sent = channel
                    .send_message(
                        &ctx.http,
                        CreateMessage::new().content("with a file").add_file(file),
                    )
                    .await?;
                // The way the owner bot's `/export` answers: a deferred reply, then its
                // `@original` edited with a file (multipart PATCH).
                cmd.defer_ephemeral(&ctx.http).await?;
                let names: Vec<String> = sent
                    .attachments
                    .iter()
                    .map(|a| format!("{} {}", a.filename, a.size))
                    .collect();
                let csv =
                    serenity::all::CreateAttachment::bytes(ATTACHED_CSV.to_vec(), "orders.csv");
                let edited = cmd
                    .edit_response(
                        &ctx.http,
                        EditInteractionResponse::new()
                            .content(format!("attached {}: {}", sent.id, names.join(", ")))
                            .new_attachment(csv),
                    )
                    .await?;
                tracing::info!(files = edited.attachments.len(), "edited with a file");
            }
            _ => {}
        }
        Ok(())
    }

    async fn component(&self, ctx: &Context, click: ComponentInteraction) -> serenity::Result<()> {
        match click.data.custom_id.as_str() {
            "accept" => {
                let update = CreateInteractionResponseMessage::new()
                    .content(format!("Accepted by {}", click.user.name))
                    .components(board_buttons(true));
                click
                    .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
                    .await
            }
            "reject" => {
                click
                    .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
                    .await?;
                let edit = EditInteractionResponse::new()
                    .content(format!("Rejected by {}", click.user.name));
                click.edit_response(&ctx.http, edit).await.map(|_| ())
            }
            _ => Ok(()),
        }
    }

    async fn modal(&self, ctx: &Context, submit: ModalInteraction) -> serenity::Result<()> {
        let value = submit
            .data
            .components
            .iter()
            .flat_map(|row| &row.components)
            .find_map(|c| match c {
                ActionRowComponent::InputText(input) if input.custom_id == "reason" => {
                    input.value.clone()
                }
                _ => None,
            })
            .unwrap_or_default();
        let message = CreateInteractionResponseMessage::new().content(format!("noted: {value}"));
        submit
            .create_response(&ctx.http, CreateInteractionResponse::Message(message))
            .await
    }
}

#[async_trait]
impl EventHandler for Probe {
    async fn ready(&self, ctx: Context, _ready: Ready) {
        if let Err(e) = GuildId::new(StandIn::GUILD_ID)
            .set_commands(&ctx.http, commands())
            .await
        {
            tracing::error!("registering commands failed: {e}");
        }
        let board = CreateMessage::new()
            .content(format!("Board ({})", self.label))
            .components(board_buttons(false))
            .allowed_mentions(CreateAllowedMentions::new());
        match ChannelId::new(StandIn::CHANNEL_ID)
            .send_message(&ctx.http, board)
            .await
        {
            Ok(message) => *self.board.lock().expect("board lock") = Some(message.id),
            Err(e) => tracing::error!("posting the board failed: {e}"),
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let outcome = match interaction {
            Interaction::Command(cmd) => self.command(&ctx, cmd).await,
            Interaction::Component(click) => self.component(&ctx, click).await,
            Interaction::Modal(submit) => self.modal(&ctx, submit).await,
            _ => Ok(()),
        };
        if let Err(e) = outcome {
            tracing::error!("probe handler failed: {e}");
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        if msg.author.bot {
            return;
        }
        let heard = format!("{} heard [{}]", self.label, msg.content);
        if let Err(e) = msg.channel_id.say(&ctx.http, heard).await {
            tracing::error!("echo failed: {e}");
        }
    }
}
