//! Discord's JSON error bodies: `{code, message}` and `Invalid Form Body` with nested `errors`.

use serde_json::{Map, Value, json};

/// An error answer: HTTP status plus Discord's JSON body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: u32, message: &str) -> Self {
        Self {
            status,
            body: json!({ "message": message, "code": code }),
        }
    }

    pub(crate) fn not_found_route() -> Self {
        Self::new(404, 0, "404: Not Found")
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(405, 0, "405: Method Not Allowed")
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(401, 0, "401: Unauthorized")
    }

    pub(crate) fn unknown_channel() -> Self {
        Self::new(404, 10003, "Unknown Channel")
    }

    pub(crate) fn unknown_message() -> Self {
        Self::new(404, 10008, "Unknown Message")
    }

    pub(crate) fn unknown_webhook() -> Self {
        Self::new(404, 10015, "Unknown Webhook")
    }

    pub(crate) fn unknown_interaction() -> Self {
        Self::new(404, 10062, "Unknown interaction")
    }

    pub(crate) fn unknown_command() -> Self {
        Self::new(404, 10063, "Unknown application command")
    }

    pub(crate) fn already_acknowledged() -> Self {
        Self::new(400, 40060, "Interaction has already been acknowledged.")
    }

    pub(crate) fn empty_message() -> Self {
        Self::new(400, 50006, "Cannot send an empty message")
    }

    pub(crate) fn not_author() -> Self {
        Self::new(403, 50005, "Cannot edit a message authored by another user")
    }

    pub(crate) fn wrong_channel_type() -> Self {
        Self::new(400, 50024, "Cannot execute action on this channel type")
    }

    pub(crate) fn bad_json() -> Self {
        Self::new(400, 50109, "The request body contains invalid JSON.")
    }

    /// `400 Invalid Form Body` (code 50035) with one error per `(path, code, message)`; a path is
    /// dot-separated (`embeds.0.description`) and nests as Discord does.
    pub(crate) fn invalid_form(problems: &[FormProblem]) -> Self {
        let mut errors = Map::new();
        for problem in problems {
            insert_error(&mut errors, &problem.path, &problem.code, &problem.message);
        }
        Self {
            status: 400,
            body: json!({ "code": 50035, "message": "Invalid Form Body", "errors": errors }),
        }
    }
}

/// One field error inside an `Invalid Form Body`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FormProblem {
    pub(crate) path: String,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl FormProblem {
    pub(crate) fn new(path: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn max_length(path: impl Into<String>, max: usize) -> Self {
        Self::new(
            path,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {max} or fewer in length."),
        )
    }
}

fn insert_error(errors: &mut Map<String, Value>, path: &str, code: &str, message: &str) {
    let mut node = errors;
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let entry = node
            .entry(segment.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        node = next;
    }
    let list = node
        .entry("_errors".to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = list {
        list.push(json!({ "code": code, "message": message }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_errors_nest_by_path_and_serenity_reads_them() {
        let err = ApiError::invalid_form(&[
            FormProblem::max_length("content", 2000),
            FormProblem::max_length("embeds.0.description", 4096),
        ]);
        assert_eq!(err.status, 400);
        assert_eq!(
            err.body["errors"]["embeds"]["0"]["description"]["_errors"][0]["code"],
            "BASE_TYPE_MAX_LENGTH"
        );
        let parsed: serenity::http::DiscordJsonError =
            serde_json::from_value(err.body).expect("serenity parses Discord's error body");
        assert_eq!(parsed.code, 50035);
        let mut paths: Vec<_> = parsed.errors.iter().map(|e| e.path.clone()).collect();
        paths.sort();
        assert_eq!(paths, ["content", "embeds.0.description"]);
    }
}
