//! The thin layer from our plain render types to serenity's builders, and
//! the rules every message follows (no mentions, ever).

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter,
};

use crate::render::{Button, Card, Style};

/// Nobody is pinged by anything the bot posts: a customer's note saying
/// `@everyone` stays text.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

pub fn embed(card: &Card) -> CreateEmbed {
    let mut e = CreateEmbed::new()
        .title(&card.title)
        .description(&card.description)
        .colour(card.colour);
    for f in &card.fields {
        e = e.field(&f.name, &f.value, f.inline);
    }
    if let Some(footer) = &card.footer {
        e = e.footer(CreateEmbedFooter::new(footer));
    }
    e
}

fn button(b: &Button) -> CreateButton {
    CreateButton::new(&b.id)
        .label(&b.label)
        .style(match b.style {
            Style::Primary => ButtonStyle::Primary,
            Style::Secondary => ButtonStyle::Secondary,
            Style::Success => ButtonStyle::Success,
            Style::Danger => ButtonStyle::Danger,
        })
        .disabled(b.disabled)
}

pub fn rows(rows: &[Vec<Button>]) -> Vec<CreateActionRow> {
    rows.iter()
        .filter(|r| !r.is_empty())
        .map(|r| CreateActionRow::Buttons(r.iter().map(button).collect()))
        .collect()
}

/// Retries a Discord call that was refused with 429 (rate limited), a few
/// times with a growing pause. serenity's own rate limiter does this against
/// the real Discord; behind a proxy (the local stand-in) it is off.
pub async fn retrying<T, F, Fut>(mut call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = serenity::Result<T>>,
{
    let mut attempt = 0u32;
    loop {
        match call().await {
            Err(serenity::Error::Http(h))
                if attempt < 5 && h.status_code().is_some_and(|s| s.as_u16() == 429) =>
            {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(250 * u64::from(attempt)))
                    .await;
            }
            other => return other,
        }
    }
}
