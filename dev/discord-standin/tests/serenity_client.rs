//! The real serenity client against the stand-in: gateway, REST, interactions, limits, restarts.

mod common;

use std::time::Duration;

use chatorder_discord_standin::{StandIn, StoredMessage, User};
use common::{Bot, WAIT, http};
use serde_json::json;
use serenity::all::{ChannelId, GuildId};
use serenity::http::HttpError;

/// A stand-in with a probe bot that is READY and has registered its commands and board.
async fn with_bot(label: &str) -> anyhow::Result<(StandIn, Bot, StoredMessage)> {
    let standin = StandIn::start().await?;
    let bot = Bot::start(&standin, label).await?;
    standin.wait_ready(WAIT).await?;
    let board = standin
        .wait_for(WAIT, |s| {
            let registered = s.commands().len() == 8;
            let board = s
                .messages(StandIn::CHANNEL_ID)
                .into_iter()
                .find(|m| m.content.starts_with("Board"));
            board.filter(|_| registered).cloned()
        })
        .await?;
    Ok((standin, bot, board))
}

/// Stops the bot after checking the stand-in saw nothing it could not handle.
async fn finish(standin: &StandIn, bot: Bot) {
    assert!(
        standin.unmatched_calls().is_empty(),
        "{:?}",
        standin.unmatched_calls()
    );
    assert!(standin.faults().is_empty(), "{:?}", standin.faults());
    bot.stop().await;
}

fn ann() -> User {
    User::staff(4242, "ann")
}

#[tokio::test]
async fn startup_routes_board_click_and_ephemeral_slash() -> anyhow::Result<()> {
    let (standin, bot, board) = with_bot("A").await?;

    // What serenity asked for at start, and what the board looks like.
    let calls = standin.calls();
    assert_eq!(
        calls[0].path, "/gateway",
        "serenity discovers the gateway first: {calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c.method == "PUT" && c.path.ends_with("/commands"))
    );
    assert_eq!(
        board.buttons(),
        [
            ("accept".to_owned(), "Accept".to_owned(), false),
            ("reject".to_owned(), "Reject".to_owned(), false)
        ]
    );
    assert_eq!(
        board.allowed_mentions,
        Some(json!({ "parse": [], "roles": [], "users": [] }))
    );
    assert_eq!(board.author_id, StandIn::BOT_USER_ID);

    // A click answered with UPDATE_MESSAGE edits the board in place.
    let click = standin
        .click(&ann(), StandIn::CHANNEL_ID, board.id, "accept")
        .await?;
    let reply = standin.response(click, WAIT).await?;
    assert_eq!(reply.kind, 7);
    assert_eq!(reply.message_id, Some(board.id));
    let edited = standin
        .message(StandIn::CHANNEL_ID, board.id)
        .expect("board still there");
    assert_eq!(edited.content, "Accepted by ann");
    assert_eq!(edited.edits, 1);
    assert!(edited.edited_at.is_some());
    assert!(edited.buttons().iter().all(|(_, _, disabled)| *disabled));
    assert_eq!(
        standin.messages(StandIn::CHANNEL_ID).len(),
        1,
        "edited in place, not reposted"
    );
    let again = standin
        .click(&ann(), StandIn::CHANNEL_ID, board.id, "accept")
        .await;
    assert!(again.is_err(), "disabled buttons cannot be clicked");

    // A slash command answered ephemerally, within Discord's 3 seconds.
    let ping = standin.slash(&ann(), "ping", json!([])).await?;
    let reply = standin.response(ping, WAIT).await?;
    assert_eq!(
        (reply.kind, reply.content.as_deref(), reply.ephemeral),
        (4, Some("pong from A"), true)
    );
    assert!(
        reply.answered_after < Duration::from_secs(3),
        "{:?}",
        reply.answered_after
    );
    assert_eq!(
        standin.messages(StandIn::CHANNEL_ID).len(),
        1,
        "ephemeral replies are not in the channel"
    );

    // The board message as serenity reads it back over REST reflects the edit.
    let fetched = http(&standin)
        .get_message(ChannelId::new(StandIn::CHANNEL_ID), board.id.into())
        .await?;
    assert_eq!(fetched.content, "Accepted by ann");
    assert!(fetched.edited_timestamp.is_some());

    finish(&standin, bot).await;
    Ok(())
}

#[tokio::test]
async fn limits_are_enforced_like_discord() -> anyhow::Result<()> {
    let (standin, bot, _) = with_bot("A").await?;
    let id = standin.slash(&ann(), "long", json!([])).await?;
    let text = standin
        .response(id, WAIT)
        .await?
        .content
        .unwrap_or_default();
    // serenity's builder refuses > 2000 characters itself; a raw call reaches the stand-in.
    assert!(text.contains("builder: other Message too large"), "{text}");
    assert!(text.contains("raw: http 400 code 50035"), "{text}");
    assert!(text.contains("wide: http 400 code 50035"), "{text}");
    let refused: Vec<_> = standin
        .calls()
        .into_iter()
        .filter(|c| c.status == 400)
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0].response["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    );
    assert!(refused[1].response["errors"]["components"]["0"]["components"].is_object());

    let id = standin.slash(&ann(), "twice", json!([])).await?;
    let reply = standin.response(id, WAIT).await?;
    assert_eq!(reply.content.as_deref(), Some("first"));
    let reply = standin
        .wait_for(WAIT, |s| {
            s.reply(id.get()).filter(|r| !r.followups.is_empty())
        })
        .await?;
    assert_eq!(reply.followups[0].content, "second: http 400 code 40060");
    finish(&standin, bot).await;
    Ok(())
}

#[tokio::test]
async fn rate_limits_are_answered_429_and_retried() -> anyhow::Result<()> {
    let (standin, bot, _) = with_bot("A").await?;
    standin.rate_limit_matching(Some("POST"), "/messages", 1);
    let id = standin.slash(&ann(), "limited", json!([])).await?;
    let reply = standin.response(id, WAIT).await?;
    assert_eq!(reply.content.as_deref(), Some("posted after 2 tries"));
    let posts: Vec<_> = standin
        .calls()
        .into_iter()
        .filter(|c| {
            c.method == "POST" && c.path == format!("/channels/{}/messages", StandIn::CHANNEL_ID)
        })
        .skip(1) // the board
        .collect();
    assert_eq!(
        posts.iter().map(|c| c.status).collect::<Vec<_>>(),
        [429, 200]
    );
    assert_eq!(posts[0].response["retry_after"], 0.2);
    assert!(
        posts[1].at - posts[0].at >= Duration::from_millis(200),
        "waited before retrying"
    );

    // What serenity makes of a 429 with its ratelimiter disabled: the status, not retry_after.
    standin.rate_limit_next(1);
    let err = http(&standin)
        .get_current_user()
        .await
        .expect_err("rate limited");
    let serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) = err else {
        panic!("{err:?}")
    };
    assert_eq!(r.status_code.as_u16(), 429);
    assert_eq!(
        r.error.code, -1,
        "Discord's 429 body has no code, serenity cannot decode it"
    );
    assert!(http(&standin).get_current_user().await.is_ok());
    finish(&standin, bot).await;
    Ok(())
}

#[tokio::test]
async fn deferred_replies_followups_and_deferred_updates() -> anyhow::Result<()> {
    let (standin, bot, board) = with_bot("A").await?;
    let id = standin.slash(&ann(), "slow", json!([])).await?;
    let done = standin.response_final(id, WAIT).await?;
    assert_eq!((done.kind, done.content.as_deref()), (5, Some("slow done")));
    let done = standin
        .wait_for(WAIT, |s| {
            s.reply(id.get()).filter(|r| !r.followups.is_empty())
        })
        .await?;
    assert_eq!(done.followups.len(), 1);
    assert_eq!(done.followups[0].content, "a follow-up");
    assert!(done.followups[0].is_ephemeral());
    let original = standin
        .message(StandIn::CHANNEL_ID, done.message_id.expect("original"))
        .expect("stored");
    assert_eq!(original.content, "slow done");
    assert_eq!(
        original.flags & chatorder_discord_standin::LOADING,
        0,
        "no longer thinking"
    );

    // DEFERRED_UPDATE_MESSAGE then PATCH @original edits the clicked message.
    let click = standin
        .click(&ann(), StandIn::CHANNEL_ID, board.id, "reject")
        .await?;
    let done = standin.response_final(click, WAIT).await?;
    assert_eq!(
        (done.kind, done.content.as_deref()),
        (6, Some("Rejected by ann"))
    );
    let board = standin
        .message(StandIn::CHANNEL_ID, board.id)
        .expect("board");
    assert_eq!(board.content, "Rejected by ann");
    finish(&standin, bot).await;
    Ok(())
}

#[tokio::test]
async fn threads_modals_attachments_and_user_messages() -> anyhow::Result<()> {
    let (standin, bot, board) = with_bot("A").await?;
    let id = standin.slash(&ann(), "thread", json!([])).await?;
    let done = standin.response_final(id, WAIT).await?;
    let threads = standin.threads();
    assert_eq!(threads.len(), 1);
    let thread = &threads[0];
    assert_eq!(
        (thread.id, thread.parent_message_id, thread.name.as_str()),
        (board.id, Some(board.id), "order-1")
    );
    assert!(done.ephemeral);
    assert_eq!(
        done.content,
        Some(format!(
            "thread {} parent Some({})",
            thread.id,
            StandIn::CHANNEL_ID
        ))
    );
    let in_thread = standin.messages(thread.id);
    assert_eq!(
        in_thread
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        ["thread opened"]
    );
    assert_eq!(
        standin
            .message(StandIn::CHANNEL_ID, board.id)
            .and_then(|m| m.thread_id),
        Some(thread.id)
    );

    // An owner types in the thread: without the MESSAGE_CONTENT intent the bot gets no content.
    standin
        .post_user_message(&ann(), thread.id, "two more please")
        .await?;
    let heard = standin
        .wait_for(WAIT, |s| {
            s.messages(thread.id)
                .into_iter()
                .find(|m| m.content.contains("heard"))
                .cloned()
        })
        .await?;
    assert_eq!(heard.content, "A heard []");

    let id = standin.slash(&ann(), "reason", json!([])).await?;
    let modal = standin.response(id, WAIT).await?;
    assert_eq!(modal.kind, 9);
    assert_eq!(
        modal.modal.as_ref().map(|m| m["title"].clone()),
        Some(json!("Why?"))
    );
    assert!(
        standin
            .submit_modal(&ann(), "why", &[("nope", "x")])
            .await
            .is_err()
    );
    let submit = standin
        .submit_modal(&ann(), "why", &[("reason", "sold out")])
        .await?;
    assert_eq!(
        standin.response(submit, WAIT).await?.content.as_deref(),
        Some("noted: sold out")
    );
    assert!(
        standin
            .submit_modal(&ann(), "why", &[("reason", "again")])
            .await
            .is_err(),
        "a modal submits once"
    );

    // Files arrive as multipart `files[n]` parts named by `payload_json`'s `attachments`;
    // the stand-in keeps their bytes, and serenity reads them back on the message.
    let id = standin.slash(&ann(), "attach", json!([])).await?;
    let answer = standin.response_final(id, WAIT).await?;
    let sent = standin
        .messages(StandIn::CHANNEL_ID)
        .into_iter()
        .find(|m| m.content == "with a file")
        .expect("multipart message stored");
    assert_eq!(
        answer.content,
        Some(format!("attached {}: order.txt 7", sent.id))
    );
    assert_eq!(sent.attachments.len(), 1);
    assert_eq!(sent.attachments[0].filename, "order.txt");
    assert_eq!(sent.attachments[0].text(), "order 7");
    assert!(answer.ephemeral);
    assert_eq!(answer.attachments.len(), 1, "{answer:?}");
    let file = &answer.attachments[0];
    assert_eq!(file.filename, "orders.csv");
    assert_eq!(file.content_type.as_deref(), Some("text/csv"));
    assert_eq!(file.bytes, common::ATTACHED_CSV);
    finish(&standin, bot).await;
    Ok(())
}

#[tokio::test]
async fn a_restarted_bot_gets_ready_and_the_dispatches() -> anyhow::Result<()> {
    let (standin, old, _) = with_bot("A").await?;
    // The old process lingers (as after a crash) while the new one starts.
    let new = Bot::start(&standin, "B").await?;
    standin.wait_sessions(2, WAIT).await?;
    standin
        .wait_for(WAIT, |s| {
            s.messages(StandIn::CHANNEL_ID)
                .iter()
                .any(|m| m.content == "Board (B)")
                .then_some(())
        })
        .await?;
    let id = standin.slash(&ann(), "ping", json!([])).await?;
    assert_eq!(
        standin.response(id, WAIT).await?.content.as_deref(),
        Some("pong from B")
    );
    old.stop().await;
    finish(&standin, new).await;
    Ok(())
}

#[tokio::test]
async fn reconnect_resumes_and_replays_missed_dispatches() -> anyhow::Result<()> {
    let (standin, bot, _) = with_bot("A").await?;
    assert_eq!(standin.close_gateway(4000), 1);
    // Dispatched while the connection is down: kept for the resume.
    let id = standin.slash(&ann(), "ping", json!([])).await?;
    assert_eq!(
        standin.response(id, WAIT).await?.content.as_deref(),
        Some("pong from A")
    );
    standin
        .wait_for(WAIT, |s| (s.resumes() == 1).then_some(()))
        .await?;
    assert_eq!(standin.request_reconnect(), 1);
    standin
        .wait_for(WAIT, |s| (s.resumes() == 2 && s.connected()).then_some(()))
        .await?;
    let id = standin.slash(&ann(), "ping", json!([])).await?;
    assert_eq!(
        standin.response(id, WAIT).await?.content.as_deref(),
        Some("pong from A")
    );
    assert_eq!(standin.sessions(), 1, "resumed, never identified again");
    finish(&standin, bot).await;
    Ok(())
}

#[tokio::test]
async fn an_invalid_session_makes_serenity_identify_again() -> anyhow::Result<()> {
    let (standin, bot, _) = with_bot("A").await?;
    standin.invalidate_sessions();
    standin.request_reconnect();
    // serenity waits up to 5 s between identifies (its shard queuer).
    standin.wait_sessions(2, Duration::from_secs(20)).await?;
    let id = standin.slash(&ann(), "ping", json!([])).await?;
    assert_eq!(
        standin.response(id, WAIT).await?.content.as_deref(),
        Some("pong from A")
    );
    assert_eq!(standin.read(|s| s.resumes()), 0);
    finish(&standin, bot).await;
    Ok(())
}

#[tokio::test]
async fn rest_without_a_bot_unknown_routes_and_auth() -> anyhow::Result<()> {
    let standin = StandIn::start().await?;
    let http = http(&standin);
    let me = http.get_current_user().await?;
    assert_eq!(me.id.get(), StandIn::BOT_USER_ID);
    let app = http.get_current_application_info().await?;
    assert_eq!(app.id.get(), StandIn::APP_ID);
    let channel = http
        .get_channel(ChannelId::new(StandIn::CHANNEL_ID))
        .await?;
    assert!(
        channel
            .guild()
            .is_some_and(|c| c.guild_id.get() == StandIn::GUILD_ID)
    );
    let guild = http.get_guild(GuildId::new(StandIn::GUILD_ID)).await?;
    assert_eq!(guild.id.get(), StandIn::GUILD_ID);
    let member = http
        .get_member(
            GuildId::new(StandIn::GUILD_ID),
            StandIn::OWNER_USER_ID.into(),
        )
        .await?;
    assert_eq!(member.user.id.get(), StandIn::OWNER_USER_ID);
    let bot_gateway = http.get_bot_gateway().await?;
    assert!(bot_gateway.url.starts_with("ws://127.0.0.1:"));

    let missing = http
        .get_guild_webhooks(GuildId::new(StandIn::GUILD_ID))
        .await;
    assert!(missing.is_err());
    let unmatched = standin.unmatched_calls();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(
        unmatched[0].path,
        format!("/guilds/{}/webhooks", StandIn::GUILD_ID)
    );
    assert_eq!(
        unmatched[0].response,
        json!({ "message": "404: Not Found", "code": 0 })
    );

    let unknown = http
        .get_message(ChannelId::new(StandIn::CHANNEL_ID), 1.into())
        .await;
    let Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(r))) = unknown else {
        panic!("{unknown:?}")
    };
    assert_eq!((r.status_code.as_u16(), r.error.code), (404, 10008));

    // Interactions need a gateway session to go to.
    assert!(standin.slash(&ann(), "ping", json!([])).await.is_err());
    Ok(())
}

#[tokio::test]
async fn rest_round_trips_for_commands_messages_and_threads() -> anyhow::Result<()> {
    use serenity::all::{ApplicationId, ChannelType, MessagePagination, UserId};

    let standin = StandIn::start().await?;
    let http = http(&standin);
    http.set_application_id(ApplicationId::new(StandIn::APP_ID));
    let guild = GuildId::new(StandIn::GUILD_ID);
    let channel = ChannelId::new(StandIn::CHANNEL_ID);

    let created = http
        .create_guild_command(guild, &json!({ "name": "menu", "description": "Menu" }))
        .await?;
    let fetched = http.get_guild_command(guild, created.id).await?;
    assert_eq!(fetched.name, "menu");
    let edited = http
        .edit_guild_command(guild, created.id, &json!({ "description": "The menu" }))
        .await?;
    assert_eq!(
        (edited.id, edited.description.as_str()),
        (created.id, "The menu")
    );
    let bad = http
        .create_guild_command(guild, &json!({ "name": "Menu", "description": "x" }))
        .await;
    assert!(bad.is_err(), "upper-case command names are refused");
    http.delete_guild_command(guild, created.id).await?;
    assert!(standin.commands().is_empty());

    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            http.send_message(channel, vec![], &json!({ "content": format!("m{n}") }))
                .await?
                .id,
        );
    }
    let newest_first = http.get_messages(channel, None, Some(2)).await?;
    assert_eq!(
        newest_first
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        ["m2", "m1"]
    );
    let before = http
        .get_messages(channel, Some(MessagePagination::Before(ids[2])), None)
        .await?;
    assert_eq!(before.len(), 2);
    let edited = http
        .edit_message(channel, ids[0], &json!({ "content": "m0!" }), vec![])
        .await?;
    assert_eq!(edited.content, "m0!");
    http.delete_message(channel, ids[1], None).await?;
    let left: Vec<String> = standin
        .messages(StandIn::CHANNEL_ID)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(left, ["m0!", "m2"]);
    assert!(
        http.send_message(channel, vec![], &json!({}))
            .await
            .is_err(),
        "empty messages are refused"
    );
    // With `enforce_nonce`, Discord answers a repeated nonce with the
    // message it already made; without it, a nonce does not deduplicate.
    let once = json!({ "content": "card", "nonce": "order-7", "enforce_nonce": true });
    let first = http.send_message(channel, vec![], &once).await?;
    let again = http.send_message(channel, vec![], &once).await?;
    assert_eq!(again.id, first.id, "an enforced nonce posts once");
    let loose = json!({ "content": "card", "nonce": "order-7" });
    let other = http.send_message(channel, vec![], &loose).await?;
    assert_ne!(other.id, first.id, "a nonce alone does not deduplicate");
    http.delete_message(channel, first.id, None).await?;
    http.delete_message(channel, other.id, None).await?;

    let thread = http
        .create_thread(channel, &json!({ "name": "private", "type": 12 }), None)
        .await?;
    assert_eq!(
        (thread.kind, thread.parent_id),
        (ChannelType::PrivateThread, Some(channel))
    );
    http.add_thread_channel_member(thread.id, UserId::new(StandIn::OWNER_USER_ID))
        .await?;
    http.send_message(thread.id, vec![], &json!({ "content": "inside" }))
        .await?;
    let archived = http
        .edit_thread(thread.id, &json!({ "archived": true }), None)
        .await?;
    assert!(archived.thread_metadata.is_some_and(|m| m.archived));
    let stored = standin.threads();
    assert_eq!(stored[0].members, [StandIn::OWNER_USER_ID]);
    assert!(stored[0].archived);
    assert_eq!(standin.messages(thread.id.get())[0].content, "inside");
    assert!(
        standin.unmatched_calls().is_empty(),
        "{:?}",
        standin.unmatched_calls()
    );
    Ok(())
}

#[tokio::test]
async fn heartbeats_are_acked_and_late_callbacks_fail_when_a_deadline_is_set() -> anyhow::Result<()>
{
    use chatorder_discord_standin::Config;

    let config = Config::default()
        .heartbeat_interval(Duration::from_millis(100))
        .interaction_deadline(Some(Duration::ZERO));
    let standin = StandIn::start_with(config).await?;
    let bot = Bot::start(&standin, "A").await?;
    standin.wait_ready(WAIT).await?;
    standin
        .wait_for(WAIT, |s| (s.heartbeats() >= 2).then_some(()))
        .await?;
    standin
        .wait_for(WAIT, |s| (s.commands().len() == 8).then_some(()))
        .await?;
    let id = standin.slash(&ann(), "ping", json!([])).await?;
    let late = standin
        .wait_for(WAIT, |s| {
            s.calls()
                .iter()
                .find(|c| c.path.contains(&format!("/interactions/{id}/")))
                .cloned()
        })
        .await?;
    assert_eq!(
        (late.status, late.response["code"].as_u64()),
        (404, Some(10062))
    );
    assert!(standin.read(|s| s.reply(id.get())).is_none());
    assert_eq!(standin.sessions(), 1, "acked heartbeats keep the session");
    finish(&standin, bot).await;
    Ok(())
}
