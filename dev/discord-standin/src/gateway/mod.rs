//! The gateway websocket: Hello, Identify/Resume, heartbeats, and writing dispatches.

pub(crate) mod sessions;

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::shared::Shared;
use sessions::{Conn, Outbound, op};

/// The websocket URL clients get from `GET /gateway` (serenity appends `?v=10`).
pub(crate) fn ws_url(headers: &HeaderMap, shared: &Shared) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| crate::server::local_host(shared.addr), str::to_owned);
    format!("ws://{host}/gateway")
}

/// `GET /gateway` with an Upgrade header.
pub(crate) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let url = ws_url(&headers, &shared);
    ws.max_message_size(16 << 20)
        .on_upgrade(move |socket| serve(shared, socket, url))
}

async fn serve(shared: Arc<Shared>, socket: WebSocket, url: String) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = shared.mutate(|s| s.gateway.next_conn_id());
    let interval = shared.read(|s| s.config.heartbeat_interval);
    let hello = op(
        10,
        json!({ "heartbeat_interval": u64::try_from(interval.as_millis()).unwrap_or(41_250) }),
    );
    if sink.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            () = shared.shutdown.cancelled() => {
                let _ = sink.send(close(1001, "stand-in shutting down")).await;
                break;
            },
            out = rx.recv() => match out {
                Some(Outbound::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                },
                Some(Outbound::Close(code, reason)) => {
                    let _ = sink.send(close(code, &reason)).await;
                    break;
                },
                None => break,
            },
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if let Err((code, reason)) = on_frame(&shared, conn_id, &tx, text.as_str(), &url) {
                        let _ = sink.send(close(code, reason)).await;
                        break;
                    }
                },
                Some(Ok(Message::Binary(_))) => {
                    let _ = sink.send(close(4002, "Error while decoding payload.")).await;
                    break;
                },
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {},
            },
        }
    }
    shared.mutate(|s| s.detach(conn_id));
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.to_owned().into(),
    }))
}

/// One client frame; an error closes the connection with that code.
fn on_frame(
    shared: &Shared,
    conn_id: u64,
    tx: &mpsc::UnboundedSender<Outbound>,
    text: &str,
    url: &str,
) -> Result<(), sessions::CloseReason> {
    let frame: Value =
        serde_json::from_str(text).map_err(|_| (4002, "Error while decoding payload."))?;
    let d = &frame["d"];
    let conn = || Conn {
        id: conn_id,
        tx: tx.clone(),
    };
    match frame["op"].as_u64() {
        Some(1) => {
            shared.mutate(|s| s.gateway.heartbeats += 1);
            let _ = tx.send(Outbound::Text(op(11, Value::Null)));
            Ok(())
        }
        Some(2) => shared.mutate(|s| s.identify(conn(), d, url.to_owned())),
        Some(6) => {
            if !shared.mutate(|s| s.resume(conn(), d)) {
                let _ = tx.send(Outbound::Text(op(9, Value::Bool(false))));
            }
            Ok(())
        }
        // Presence updates, voice state, member and soundboard requests: accepted, ignored.
        Some(3 | 4 | 8 | 31) => Ok(()),
        _ => Err((4001, "Unknown opcode.")),
    }
}
