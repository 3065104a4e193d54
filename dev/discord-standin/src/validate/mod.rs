//! Discord's limits on message, modal and command bodies, answered as `Invalid Form Body`.

mod commands;

pub(crate) use commands::commands;

use std::collections::HashSet;

use serde_json::Value;

use crate::api_error::{ApiError, FormProblem};
use crate::model::embed_texts;

const CONTENT_MAX: usize = 2000;
const EMBEDS_MAX: usize = 10;
const EMBED_TOTAL_MAX: usize = 6000;
const ROWS_MAX: usize = 5;
const ROW_WIDTH_MAX: usize = 5;
const CUSTOM_ID_MAX: usize = 100;

pub(super) fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

pub(super) fn check_max(problems: &mut Vec<FormProblem>, v: &Value, path: &str, max: usize) {
    if chars(v) > max {
        problems.push(FormProblem::max_length(path, max));
    }
}

pub(super) fn required(problems: &mut Vec<FormProblem>, v: &Value, path: &str) {
    if v.as_str().is_none_or(str::is_empty) {
        problems.push(FormProblem::new(
            path,
            "BASE_TYPE_REQUIRED",
            "This field is required",
        ));
    }
}

pub(super) fn finish(problems: Vec<FormProblem>) -> Result<(), ApiError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_form(&problems))
    }
}

/// A message create (`creating`) or edit body: content, embeds, components.
pub(crate) fn message(body: &Value, creating: bool) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    check_max(&mut problems, &body["content"], "content", CONTENT_MAX);
    embeds(&mut problems, &body["embeds"]);
    components(&mut problems, &body["components"]);
    finish(problems)?;
    if creating && is_empty_message(body) {
        return Err(ApiError::empty_message());
    }
    Ok(())
}

fn is_empty_message(body: &Value) -> bool {
    let empty = |key: &str| body[key].as_array().is_none_or(Vec::is_empty);
    body["content"].as_str().is_none_or(str::is_empty)
        && empty("embeds")
        && empty("components")
        && empty("attachments")
        && empty("sticker_ids")
        && body["poll"].is_null()
}

fn embeds(problems: &mut Vec<FormProblem>, embeds: &Value) {
    let Some(list) = embeds.as_array() else {
        return;
    };
    if list.len() > EMBEDS_MAX {
        problems.push(FormProblem::max_length("embeds", EMBEDS_MAX));
    }
    let mut total = 0;
    for (i, embed) in list.iter().enumerate() {
        let at = |field: &str| format!("embeds.{i}.{field}");
        check_max(problems, &embed["title"], &at("title"), 256);
        check_max(problems, &embed["description"], &at("description"), 4096);
        check_max(problems, &embed["footer"]["text"], &at("footer.text"), 2048);
        check_max(problems, &embed["author"]["name"], &at("author.name"), 256);
        let fields = embed["fields"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if fields.len() > 25 {
            problems.push(FormProblem::max_length(at("fields"), 25));
        }
        for (j, field) in fields.iter().enumerate() {
            required(problems, &field["name"], &at(&format!("fields.{j}.name")));
            required(problems, &field["value"], &at(&format!("fields.{j}.value")));
            check_max(
                problems,
                &field["name"],
                &at(&format!("fields.{j}.name")),
                256,
            );
            check_max(
                problems,
                &field["value"],
                &at(&format!("fields.{j}.value")),
                1024,
            );
        }
        total += embed_texts(embed)
            .iter()
            .map(|t| t.chars().count())
            .sum::<usize>();
    }
    if total > EMBED_TOTAL_MAX {
        problems.push(FormProblem::new(
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
            format!("Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"),
        ));
    }
}

fn components(problems: &mut Vec<FormProblem>, rows: &Value) {
    let Some(rows) = rows.as_array() else { return };
    if rows.len() > ROWS_MAX {
        problems.push(FormProblem::max_length("components", ROWS_MAX));
    }
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        if row["type"] != 1 {
            problems.push(FormProblem::new(
                format!("components.{i}.type"),
                "UNION_TYPE_CHOICES",
                "Value of field \"type\" must be one of (1,).",
            ));
            continue;
        }
        let items = row["components"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if items.is_empty() {
            problems.push(FormProblem::new(
                format!("components.{i}.components"),
                "BASE_TYPE_MIN_LENGTH",
                "Must be 1 or more in length.",
            ));
        }
        let has_select = items
            .iter()
            .any(|c| c["type"].as_u64().is_some_and(|t| (3..=8).contains(&t)));
        if items.len() > ROW_WIDTH_MAX || (has_select && items.len() > 1) {
            problems.push(FormProblem::new(
                format!("components.{i}.components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            ));
        }
        for (j, item) in items.iter().enumerate() {
            component(
                problems,
                item,
                &format!("components.{i}.components.{j}"),
                &mut seen,
            );
        }
    }
}

fn component(problems: &mut Vec<FormProblem>, c: &Value, path: &str, seen: &mut HashSet<String>) {
    let at = |field: &str| format!("{path}.{field}");
    let is_link = c["type"] == 2 && c["style"] == 5;
    if is_link {
        required(problems, &c["url"], &at("url"));
    } else {
        required(problems, &c["custom_id"], &at("custom_id"));
        check_max(problems, &c["custom_id"], &at("custom_id"), CUSTOM_ID_MAX);
        if let Some(id) = c["custom_id"].as_str()
            && !seen.insert(id.to_owned())
        {
            problems.push(FormProblem::new(
                at("custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            ));
        }
    }
    match c["type"].as_u64() {
        Some(2) => {
            check_max(problems, &c["label"], &at("label"), 80);
            if c["label"].is_null() && c["emoji"].is_null() {
                problems.push(FormProblem::new(
                    at("label"),
                    "BUTTON_COMPONENT_INVALID",
                    "A button must have a label or an emoji",
                ));
            }
        }
        Some(3) => {
            check_max(problems, &c["placeholder"], &at("placeholder"), 150);
            let options = c["options"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            if options.is_empty() || options.len() > 25 {
                problems.push(FormProblem::max_length(at("options"), 25));
            }
            for (k, option) in options.iter().enumerate() {
                check_max(
                    problems,
                    &option["label"],
                    &at(&format!("options.{k}.label")),
                    100,
                );
                check_max(
                    problems,
                    &option["value"],
                    &at(&format!("options.{k}.value")),
                    100,
                );
            }
        }
        Some(4..=8) => check_max(problems, &c["placeholder"], &at("placeholder"), 150),
        _ => problems.push(FormProblem::new(
            at("type"),
            "UNION_TYPE_CHOICES",
            "Value of field \"type\" must be one of (2, 3, 5, 6, 7, 8).",
        )),
    }
}

/// A modal (interaction callback type 9): title, custom id, one text input per row.
pub(crate) fn modal(data: &Value) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    required(&mut problems, &data["title"], "data.title");
    check_max(&mut problems, &data["title"], "data.title", 45);
    required(&mut problems, &data["custom_id"], "data.custom_id");
    check_max(
        &mut problems,
        &data["custom_id"],
        "data.custom_id",
        CUSTOM_ID_MAX,
    );
    let rows = data["components"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if rows.is_empty() || rows.len() > ROWS_MAX {
        problems.push(FormProblem::max_length("data.components", ROWS_MAX));
    }
    for (i, row) in rows.iter().enumerate() {
        let inputs = row["components"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if row["type"] != 1 || inputs.len() != 1 || inputs[0]["type"] != 4 {
            problems.push(FormProblem::new(
                format!("data.components.{i}"),
                "MODAL_ROW_INVALID",
                "A modal row holds exactly one text input",
            ));
            continue;
        }
        let at = |field: &str| format!("data.components.{i}.components.0.{field}");
        let input = &inputs[0];
        required(&mut problems, &input["custom_id"], &at("custom_id"));
        check_max(
            &mut problems,
            &input["custom_id"],
            &at("custom_id"),
            CUSTOM_ID_MAX,
        );
        required(&mut problems, &input["label"], &at("label"));
        check_max(&mut problems, &input["label"], &at("label"), 45);
        check_max(&mut problems, &input["value"], &at("value"), 4000);
        check_max(
            &mut problems,
            &input["placeholder"],
            &at("placeholder"),
            100,
        );
        if input["max_length"].as_u64().is_some_and(|m| m > 4000) {
            problems.push(FormProblem::new(
                at("max_length"),
                "NUMBER_TYPE_MAX",
                "int value should be less than or equal to 4000.",
            ));
        }
    }
    finish(problems)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problem_codes(err: &ApiError) -> String {
        err.body.to_string()
    }

    #[test]
    fn content_over_2000_chars_is_refused_but_2000_multibyte_chars_pass() {
        assert!(message(&json!({"content": "é".repeat(2000)}), true).is_ok());
        let err = message(&json!({"content": "x".repeat(2001)}), true).expect_err("too long");
        assert_eq!(
            err.body["errors"]["content"]["_errors"][0]["code"],
            "BASE_TYPE_MAX_LENGTH"
        );
    }

    #[test]
    fn empty_create_is_refused_but_empty_edit_is_fine() {
        assert_eq!(message(&json!({}), true), Err(ApiError::empty_message()));
        assert!(message(&json!({"content": ""}), false).is_ok());
    }

    #[test]
    fn embed_limits() {
        let eleven: Vec<_> = (0..11).map(|_| json!({"title": "t"})).collect();
        assert!(message(&json!({"embeds": eleven}), true).is_err());
        let long = json!({"embeds": [{"description": "d".repeat(4097)}]});
        assert!(problem_codes(&message(&long, true).expect_err("long")).contains("description"));
        let total: Vec<_> = (0..2)
            .map(|_| json!({"description": "d".repeat(3001)}))
            .collect();
        let err = message(&json!({"embeds": total}), true).expect_err("total");
        assert!(problem_codes(&err).contains("MAX_EMBED_SIZE_EXCEEDED"));
    }

    #[test]
    fn component_limits() {
        let button = |id: &str| json!({"type": 2, "style": 1, "label": "ok", "custom_id": id});
        let row = |n: usize, tag: &str| json!({"type": 1, "components": (0..n).map(|k| button(&format!("{tag}{k}"))).collect::<Vec<_>>()});
        assert!(message(&json!({"components": [row(5, "a")]}), true).is_ok());
        assert!(message(&json!({"components": [row(6, "a")]}), true).is_err());
        let six_rows: Vec<_> = (0..6).map(|r| row(1, &r.to_string())).collect();
        assert!(message(&json!({"components": six_rows}), true).is_err());
        let long_id = json!({"type": 1, "components": [button(&"x".repeat(101))]});
        assert!(message(&json!({"components": [long_id]}), true).is_err());
        let mut long_label = button("a");
        long_label["label"] = json!("l".repeat(81));
        let body = json!({"components": [{"type": 1, "components": [long_label]}]});
        assert!(message(&body, true).is_err());
        let dup = json!({"type": 1, "components": [button("same"), button("same")]});
        assert!(
            problem_codes(&message(&json!({"components": [dup]}), true).expect_err("dup"))
                .contains("DUPLICATED")
        );
    }

    #[test]
    fn modal_rows_hold_one_text_input() {
        let input = json!({"type": 4, "custom_id": "note", "label": "Note", "style": 1});
        let ok = json!({"title": "Why?", "custom_id": "m", "components": [{"type": 1, "components": [input]}]});
        assert!(modal(&ok).is_ok());
        let bad = json!({"title": "Why?", "custom_id": "m", "components": []});
        assert!(modal(&bad).is_err());
    }
}
