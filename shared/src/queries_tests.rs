//! The query refusal's wire form: tagged by its code, round-trips, and an
//! unknown code or an old worker's bare sentence degrades to `Other`.

use super::*;

/// One of each variant, as a worker would send it.
fn every_refusal() -> Vec<QueryRefusal> {
    vec![
        QueryRefusal::NotFound {
            number: OrderNumber(1042),
        },
        QueryRefusal::NotOwner,
        QueryRefusal::CustomersOnly,
        QueryRefusal::Unavailable,
        QueryRefusal::NoSales,
        QueryRefusal::UnknownQuery {
            subject: "orders.query.nope".into(),
        },
        QueryRefusal::TooLarge { max_bytes: 65_536 },
        QueryRefusal::BadRequest {
            detail: "missing field `actor`".into(),
        },
    ]
}

#[test]
fn the_wire_tag_is_the_code_and_every_refusal_round_trips() {
    for refusal in every_refusal() {
        let reply = QueryReply::<()>::Err(refusal.clone());
        let json = serde_json::to_value(&reply).expect("serialise");
        assert_eq!(json["error"]["code"], refusal.code(), "{json}");
        let back: QueryReply<()> = serde_json::from_value(json.clone()).expect("deserialise");
        assert_eq!(back.into_result(), Err(refusal), "{json}");
    }
}

#[test]
fn a_refusal_reads_as_documented() {
    let reply = QueryReply::<()>::Err(QueryRefusal::NotFound {
        number: OrderNumber(1042),
    });
    assert_eq!(
        serde_json::to_string(&reply).expect("serialise"),
        r#"{"error":{"code":"not_found","number":1042}}"#
    );
    let ok = QueryReply::Ok(Catalog { items: vec![] });
    assert_eq!(
        serde_json::to_string(&ok).expect("serialise"),
        r#"{"result":{"items":[]}}"#
    );
}

#[test]
fn an_unknown_code_or_an_old_sentence_becomes_other() {
    let unknown: QueryReply<()> =
        serde_json::from_str(r#"{"error":{"code":"closed_for_lunch","until":"14:00"}}"#)
            .expect("decodes");
    assert_eq!(
        unknown.into_result(),
        Err(QueryRefusal::Other {
            code: "closed_for_lunch".into()
        })
    );
    let old: QueryReply<()> =
        serde_json::from_str(r#"{"error":"I couldn't find order #7."}"#).expect("decodes");
    let old = old.into_result().expect_err("a refusal");
    assert_eq!(
        old,
        QueryRefusal::Other {
            code: "untyped".into()
        }
    );
    assert_eq!(old.code(), "other");
    assert!(serde_json::from_str::<QueryReply<()>>(r#"{"error":{"no":"code"}}"#).is_err());
}
