//! The narrow seam to Telegram: the few Bot API calls the bot makes, through
//! teloxide's `Throttle` (Telegram's rate limits) or, for benchmarks against
//! the stand-in only, straight through.

use teloxide::RequestError;
use teloxide::adaptors::Throttle;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, CallbackQueryId, InlineKeyboardMarkup, Me, MessageId, ReplyMarkup,
};

#[derive(Clone)]
pub enum TgBot {
    Limited(Throttle<Bot>),
    Plain(Bot),
}

/// Runs the same call on whichever client is inside.
macro_rules! on_client {
    ($self:expr, $b:ident => $call:expr) => {
        match $self {
            TgBot::Limited($b) => $call,
            TgBot::Plain($b) => $call,
        }
    };
}

impl TgBot {
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

    pub async fn answer(&self, id: CallbackQueryId) -> Result<(), RequestError> {
        on_client!(self, b => b.answer_callback_query(id).await.map(drop))
    }

    pub async fn set_commands(&self, commands: Vec<BotCommand>) -> Result<(), RequestError> {
        on_client!(self, b => b.set_my_commands(commands).await.map(drop))
    }

    pub async fn me(&self) -> Result<Me, RequestError> {
        on_client!(self, b => b.get_me().await)
    }
}
