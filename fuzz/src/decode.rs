//! `decode_envelope`: the decoders that stand between JetStream and the code
//! that trusts decoded values: `decode_command` (the order worker, for every
//! command subject) and `decode_event` (the bots).
//!
//! Invariants, for any payload bytes:
//! - decoding never panics: it gives `Ok` or an error that reads as a sentence
//!   and has a metrics label;
//! - an accepted command matches its subject: the envelope type is the
//!   subject's, the actor's role is the subject's, the version is 1;
//! - what was accepted survives the trip back: encoding it with the real
//!   encoder (`Envelope::to_json`) and decoding again gives the same value,
//!   and encoding that gives the same bytes.

use std::sync::LazyLock;

use chatorder_shared::commands::decode_command;
use chatorder_shared::domain::Role;
use chatorder_shared::envelope::DecodeError;
use chatorder_shared::events::decode_event;
use chatorder_shared::subjects::{CommandKind, Subjects};

/// Every subject the order worker consumes, plus ones it must refuse.
pub const SUBJECTS: &[&str] = &[
    "orders.cmd.customer.register",
    "orders.cmd.customer.place",
    "orders.cmd.customer.update",
    "orders.cmd.customer.cancel",
    "orders.cmd.customer.message",
    "orders.cmd.owner.status",
    "orders.cmd.owner.cancel",
    "orders.cmd.owner.message",
    "orders.cmd.owner.catalog",
    // Not served: the decoder must say so, whatever the payload.
    "orders.cmd.customer.status",
    "orders.cmd.owner.place",
    "orders.evt.placed",
];

static SUBJECTS_PLAIN: LazyLock<Subjects> =
    LazyLock::new(|| Subjects::new("").expect("empty prefix"));

/// The fuzz target.
pub fn check(data: &[u8]) {
    for subject in SUBJECTS {
        check_command(subject, data);
    }
    check_event(data);
}

fn check_error(e: &DecodeError) {
    let text = e.to_string();
    assert!(!text.trim().is_empty(), "an error without a reason: {e:?}");
    assert!(!e.label().is_empty());
}

fn check_command(subject: &str, data: &[u8]) {
    let subjects = &*SUBJECTS_PLAIN;
    let cmd = match decode_command(subjects, subject, data) {
        Ok(cmd) => cmd,
        Err(e) => return check_error(&e),
    };
    let (role, kind): (Role, CommandKind) = subjects
        .parse_command(subject)
        .unwrap_or_else(|| panic!("accepted a command on `{subject}`, which is not served"));
    assert_eq!(cmd.role, role, "role not taken from the subject");
    assert_eq!(
        cmd.envelope.actor.role, role,
        "actor role differs from the subject"
    );
    assert_eq!(cmd.envelope.kind, kind.envelope_type());
    assert_eq!(
        cmd.envelope.data.kind(),
        kind,
        "data decoded as another command"
    );
    assert_eq!(cmd.envelope.v, 1);

    let encoded = cmd.envelope.to_json();
    assert!(!encoded.is_empty(), "the encoder gave nothing for {cmd:?}");
    let again = decode_command(subjects, subject, &encoded).unwrap_or_else(|e| {
        panic!(
            "re-encoded command does not decode: {e}\n{}",
            String::from_utf8_lossy(&encoded)
        )
    });
    assert_eq!(again, cmd, "the command changed on a round trip");
    assert_eq!(
        again.envelope.to_json(),
        encoded,
        "the encoding is not stable"
    );
}

fn check_event(data: &[u8]) {
    let env = match decode_event(data) {
        Ok(env) => env,
        Err(e) => return check_error(&e),
    };
    assert_eq!(env.v, 1);
    assert_eq!(env.kind, env.data.kind().envelope_type());
    let encoded = env.to_json();
    assert!(!encoded.is_empty(), "the encoder gave nothing for {env:?}");
    let again = decode_event(&encoded).unwrap_or_else(|e| {
        panic!(
            "re-encoded event does not decode: {e}\n{}",
            String::from_utf8_lossy(&encoded)
        )
    });
    assert_eq!(again, env, "the event changed on a round trip");
    assert_eq!(again.to_json(), encoded, "the encoding is not stable");
}
