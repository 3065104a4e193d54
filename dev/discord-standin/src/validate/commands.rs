//! Application command bodies: names, descriptions, options, as Discord checks them.

use std::collections::HashSet;

use serde_json::Value;

use super::{chars, finish};
use crate::api_error::{ApiError, FormProblem};

/// Application commands of a bulk overwrite (`paths` prefixed by their index) or one create.
pub(crate) fn commands(list: &[Value], indexed: bool) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    let mut names = HashSet::new();
    for (i, command) in list.iter().enumerate() {
        let prefix = if indexed {
            format!("{i}.")
        } else {
            String::new()
        };
        let kind = command["type"].as_u64().unwrap_or(1);
        name(
            &mut problems,
            &command["name"],
            &format!("{prefix}name"),
            kind == 1,
        );
        if kind == 1 {
            description(
                &mut problems,
                &command["description"],
                &format!("{prefix}description"),
            );
        }
        if !names.insert((
            kind,
            command["name"].as_str().unwrap_or_default().to_owned(),
        )) {
            problems.push(FormProblem::new(
                format!("{prefix}name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            ));
        }
        options(
            &mut problems,
            &command["options"],
            &format!("{prefix}options"),
        );
    }
    finish(problems)
}

fn options(problems: &mut Vec<FormProblem>, options: &Value, path: &str) {
    let list = options.as_array().map(Vec::as_slice).unwrap_or_default();
    if list.len() > 25 {
        problems.push(FormProblem::max_length(path, 25));
    }
    let mut optional_seen = false;
    for (j, option) in list.iter().enumerate() {
        let at = format!("{path}.{j}");
        name(problems, &option["name"], &format!("{at}.name"), true);
        description(
            problems,
            &option["description"],
            &format!("{at}.description"),
        );
        let required = option["required"].as_bool().unwrap_or(false);
        if required && optional_seen {
            problems.push(FormProblem::new(
                at.clone(),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            ));
        }
        optional_seen |= !required;
        if option["choices"].as_array().is_some_and(|c| c.len() > 25) {
            problems.push(FormProblem::max_length(format!("{at}.choices"), 25));
        }
        options_nested(problems, option, &at);
    }
}

fn options_nested(problems: &mut Vec<FormProblem>, option: &Value, at: &str) {
    if matches!(option["type"].as_u64(), Some(1 | 2)) {
        options(problems, &option["options"], &format!("{at}.options"));
    }
}

fn name(problems: &mut Vec<FormProblem>, v: &Value, path: &str, chat_input: bool) {
    let text = v.as_str().unwrap_or_default();
    let count = text.chars().count();
    let valid_chars = !chat_input
        || text
            .chars()
            .all(|c| c == '-' || c == '_' || c.is_alphanumeric() && !c.is_uppercase());
    if count == 0 || count > 32 || !valid_chars {
        problems.push(FormProblem::new(
            path,
            "APPLICATION_COMMAND_INVALID_NAME",
            format!("Command name is invalid: {text:?}"),
        ));
    }
}

fn description(problems: &mut Vec<FormProblem>, v: &Value, path: &str) {
    let count = chars(v);
    if count == 0 || count > 100 {
        problems.push(FormProblem::new(
            path,
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn command_names_must_be_lowercase_and_described() {
        assert!(
            commands(
                &[json!({"name": "price", "description": "Set a price"})],
                true
            )
            .is_ok()
        );
        assert!(
            commands(
                &[json!({"name": "Price", "description": "Set a price"})],
                true
            )
            .is_err()
        );
        assert!(commands(&[json!({"name": "price", "description": ""})], true).is_err());
        let order = json!({"name": "p", "description": "d", "options": [
            {"type": 3, "name": "a", "description": "a"},
            {"type": 3, "name": "b", "description": "b", "required": true}]});
        assert!(commands(&[order], true).is_err());
    }
}
