//! The narrow seam to Telegram: the few Bot API calls the bot makes, through
//! teloxide's `Throttle` (Telegram's rate limits, `retry_after` honoured) or,
//! with `telegram.rate_limit = false` (benchmarks and tests against the
//! stand-in, which has no limits to keep), straight through.

use teloxide::RequestError;
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, CallbackQueryId, InlineKeyboardMarkup, LabeledPrice, Me, MessageId,
    PreCheckoutQueryId, ReplyMarkup,
};

/// The Bot API client replies go through; which one is inside is settled
/// once, by [`TgBot::new`], from the configuration.
#[derive(Clone)]
pub struct TgBot(Client);

/// Not one `Throttle` with huge limits: its worker sleeps 250 ms between
/// rounds and sizes its queue by the per-second limit, so "unlimited" would
/// still be slow and would allocate that limit up front.
#[derive(Clone)]
enum Client {
    Throttled(Throttle<Bot>),
    Direct(Bot),
}

/// Runs the same call on whichever client is inside.
macro_rules! on_client {
    ($self:expr, $b:ident => $call:expr) => {
        match &$self.0 {
            Client::Throttled($b) => $call,
            Client::Direct($b) => $call,
        }
    };
}

impl TgBot {
    /// `rate_limit` is `telegram.rate_limit`: keep to Telegram's limits
    /// (always, in production) or send straight through.
    pub fn new(bot: Bot, rate_limit: bool) -> Self {
        Self(if rate_limit {
            Client::Throttled(bot.throttle(Limits::default()))
        } else {
            Client::Direct(bot)
        })
    }

    pub async fn send(
        &self,
        chat: ChatId,
        text: String,
        markup: Option<ReplyMarkup>,
    ) -> Result<(), RequestError> {
        on_client!(self, b => {
            let mut req = b.send_message(chat, text);
            if let Some(m) = markup {
                req = req.reply_markup(m);
            }
            req.await.map(drop)
        })
    }

    pub async fn edit(
        &self,
        chat: ChatId,
        id: MessageId,
        text: String,
        markup: Option<InlineKeyboardMarkup>,
    ) -> Result<(), RequestError> {
        on_client!(self, b => {
            let mut req = b.edit_message_text(chat, id, text);
            if let Some(m) = markup {
                req = req.reply_markup(m);
            }
            req.await.map(drop)
        })
    }

    /// Sends a bill (`sendInvoice`) through the shop's payment provider.
    pub async fn invoice(&self, chat: ChatId, bill: Bill) -> Result<(), RequestError> {
        on_client!(self, b => b
            .send_invoice(chat, bill.title, bill.description, bill.payload, bill.currency, bill.prices)
            .provider_token(bill.provider_token)
            .await
            .map(drop))
    }

    /// Answers Telegram's pre-checkout question: go ahead, or why not
    /// (Telegram shows the sentence in the payment form).
    pub async fn answer_pre_checkout(
        &self,
        id: PreCheckoutQueryId,
        verdict: Result<(), String>,
    ) -> Result<(), RequestError> {
        on_client!(self, b => {
            let mut req = b.answer_pre_checkout_query(id, verdict.is_ok());
            if let Err(why) = verdict {
                req = req.error_message(why);
            }
            req.await.map(drop)
        })
    }

    pub async fn answer(&self, id: CallbackQueryId) -> Result<(), RequestError> {
        on_client!(self, b => b.answer_callback_query(id).await.map(drop))
    }

    /// The command menu for clients in `language` (an ISO 639-1 code), or
    /// for every other client with `None`.
    pub async fn set_commands(
        &self,
        commands: Vec<BotCommand>,
        language: Option<&str>,
    ) -> Result<(), RequestError> {
        on_client!(self, b => {
            let mut request = b.set_my_commands(commands.clone());
            if let Some(code) = language {
                request = request.language_code(code);
            }
            request.await.map(drop)
        })
    }

    pub async fn me(&self) -> Result<Me, RequestError> {
        on_client!(self, b => b.get_me().await)
    }
}

/// What `sendInvoice` needs.
pub struct Bill {
    pub title: String,
    pub description: String,
    /// Names the checkout; comes back in the pre-checkout question and the payment.
    pub payload: String,
    pub currency: String,
    pub prices: Vec<LabeledPrice>,
    pub provider_token: String,
}
