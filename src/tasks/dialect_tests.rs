//! The task rules read each era's dialect: messages built from a dialect's
//! own data (where the created task sits, the Task object places, the TTL
//! member, the terminal statuses, the opt-ins, the capability rule) are
//! handled as that dialect says, and not as another dialect would.

use serde_json::{Value, json};

use super::mediation;
use super::task_object::{
    cap_requested_ttl, cap_ttl, created_task_id, is_terminal, task_id, task_objects_mut,
};
use crate::mcp::dialect::{ALL, Dialect, Seg, TaskObjectOn, value_at};

/// Sets `leaf` at `path` in `message`, creating objects on the way (and a
/// one-element array for `Each`).
fn put(message: &mut Value, path: &[Seg], leaf: Value) {
    let Some((seg, rest)) = path.split_first() else {
        *message = leaf;
        return;
    };
    match seg {
        Seg::Key(key) => {
            if !message.is_object() {
                *message = json!({});
            }
            let child = message
                .as_object_mut()
                .unwrap()
                .entry(*key)
                .or_insert(Value::Null);
            put(child, rest, leaf);
        }
        Seg::Each => {
            let mut item = Value::Null;
            put(&mut item, rest, leaf);
            *message = json!([item]);
        }
    }
}

/// A response creating task `id` in `dialect`'s shape, granting `ttl`.
fn creation(dialect: &Dialect, id: &str, ttl: Value) -> Value {
    let mut message = json!({"jsonrpc":"2.0","id":1});
    let row = dialect.creation;
    if let Some((guard, want)) = row.when {
        put(&mut message, guard, json!(want));
    }
    put(&mut message, row.path, json!(id));
    let mut task_path = dialect.created_task_at().to_vec();
    task_path.push(Seg::Key(dialect.task_fields.ttl));
    put(&mut message, &task_path, ttl);
    message
}

fn others(dialect: &Dialect) -> impl Iterator<Item = &'static Dialect> + '_ {
    ALL.into_iter().filter(move |d| d.era != dialect.era)
}

#[test]
fn the_created_task_is_found_where_its_dialect_puts_it_and_its_ttl_capped() {
    for dialect in ALL {
        let mut message = creation(dialect, "t-1", json!(99_999));
        assert_eq!(created_task_id(&message, dialect), Some("t-1"));
        for other in others(dialect) {
            assert_eq!(created_task_id(&message, other), None, "{}", other.label);
        }
        let mut objects = task_objects_mut(&mut message, dialect, None);
        assert_eq!(objects.len(), 1, "{}", dialect.label);
        let task = &mut objects[0];
        assert_eq!(task_id(task, dialect), Some("t-1"));
        assert_eq!(cap_ttl(task, dialect.task_fields.ttl, 1000), 1000);
        let mut ttl_path = dialect.created_task_at().to_vec();
        ttl_path.push(Seg::Key(dialect.task_fields.ttl));
        assert_eq!(value_at(&message, &ttl_path), Some(&json!(1000)));
    }
}

#[test]
fn every_task_object_place_of_a_dialect_is_read() {
    for dialect in ALL {
        for at in dialect.task_objects {
            let (mut message, request_method) = match at.on {
                TaskObjectOn::Method(m) => (json!({"jsonrpc":"2.0","method":m}), None),
                TaskObjectOn::ResponseTo(m) => (json!({"jsonrpc":"2.0","id":2}), Some(m)),
            };
            let mut id_path = at.path.to_vec();
            id_path.push(Seg::Key(dialect.task_fields.id));
            put(&mut message, &id_path, json!("t-2"));
            let objects = task_objects_mut(&mut message, dialect, request_method);
            assert_eq!(objects.len(), 1, "{}: {at:?}", dialect.label);
            assert_eq!(task_id(objects[0], dialect), Some("t-2"));
        }
    }
}

#[test]
fn terminal_statuses_are_the_dialects() {
    for dialect in ALL {
        let status = dialect.task_fields.status;
        for terminal in dialect.terminal_statuses {
            let task = json!({"taskId":"t", (status): terminal});
            assert!(is_terminal(task.as_object().unwrap(), dialect));
        }
        let working = json!({"taskId":"t", (status): "working"});
        assert!(!is_terminal(working.as_object().unwrap(), dialect));
    }
}

#[test]
fn a_requested_ttl_is_capped_only_where_the_dialect_has_one() {
    for dialect in ALL {
        let mut request =
            json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x"}});
        // Every place any dialect reads a requested TTL.
        for path in ALL.iter().filter_map(|d| d.requested_ttl) {
            put(&mut request, path, json!(99_999));
        }
        let changed = cap_requested_ttl(&mut request, dialect, 1000);
        assert_eq!(
            changed,
            dialect.requested_ttl.is_some(),
            "{}",
            dialect.label
        );
        if let Some(path) = dialect.requested_ttl {
            assert_eq!(value_at(&request, path), Some(&json!(1000)));
        }
    }
}

#[test]
fn only_the_other_generations_opt_in_is_foreign() {
    for dialect in ALL {
        let mut request =
            json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"x"}});
        for d in ALL {
            put(&mut request, d.opt_in.path(), json!({}));
        }
        assert!(mediation::strip_foreign_opt_in(&mut request, dialect.era));
        assert!(
            value_at(&request, dialect.opt_in.path()).is_some(),
            "own kept"
        );
        for other in others(dialect) {
            assert!(value_at(&request, other.opt_in.path()).is_none());
        }
        assert!(!mediation::strip_foreign_opt_in(&mut request, dialect.era));
    }
}

#[test]
fn capabilities_are_mediated_where_the_dialect_declares_and_advertises_them() {
    for dialect in ALL {
        let rule = dialect.capability;
        let method = rule.declared_on.unwrap_or("tools/list");
        let mut request = json!({"jsonrpc":"2.0","id":5,"method":method,"params":{}});
        let mut member = rule.declared_at.to_vec();
        member.extend_from_slice(rule.member);
        put(&mut request, &member, json!({}));
        assert!(mediation::strip_request(&mut request, dialect.era));
        assert!(value_at(&request, &member).is_none(), "{}", dialect.label);
        assert!(
            value_at(&request, rule.declared_at).is_some(),
            "the rest stays"
        );

        let mut answer = json!({"jsonrpc":"2.0","id":5,"result":{"capabilities":{"tools":{}}}});
        let mut advertised = vec![Seg::Key("result"), Seg::Key("capabilities")];
        advertised.extend_from_slice(rule.member);
        put(&mut answer, &advertised, json!({}));
        assert!(mediation::advertises_capabilities(Some(rule.advertised_in)));
        assert!(mediation::strip_response(
            &mut answer,
            Some(rule.advertised_in)
        ));
        assert!(
            value_at(&answer, &advertised).is_none(),
            "{}",
            dialect.label
        );
        assert_eq!(answer["result"]["capabilities"]["tools"], json!({}));
    }
}
