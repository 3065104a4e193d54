//! A local stand-in for Discord's REST API and gateway that the real serenity client talks to.
#![doc = include_str!("../README.md")]

mod actions;
mod api_error;
mod config;
mod gateway;
mod ids;
mod interactions;
mod model;
mod multipart;
mod ratelimit;
mod render;
mod rest;
mod server;
mod shared;
mod standin;
mod state;
mod validate;

pub use config::Config;
pub use model::{
    Attachment, Call, EPHEMERAL, HAS_THREAD, InteractionReply, LOADING, StoredMessage, Thread, User,
};
pub use serenity::model::id::InteractionId;
pub use standin::StandIn;
pub use state::StandInState;
