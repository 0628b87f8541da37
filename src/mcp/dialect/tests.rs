//! Each dialect's tables agree with themselves and with the other
//! dialects', and the helpers the pipeline reads answer as its era rules do.

use std::collections::BTreeSet;

use http::StatusCode;

use super::*;
use crate::mcp::method::{
    INITIALIZE, SERVER_DISCOVER, SUBSCRIPTIONS_LISTEN, TASKS_CANCEL, TASKS_GET, TASKS_LIST,
    TASKS_RESULT, TASKS_UPDATE, TOOLS_CALL,
};

fn set(items: &[&'static str]) -> BTreeSet<&'static str> {
    items.iter().copied().collect()
}

fn key(name: &'static str) -> Seg {
    Seg::Key(name)
}

#[test]
fn every_era_has_one_dialect_in_generation_order() {
    assert_eq!(ALL.len(), 2);
    for (index, dialect) in ALL.iter().enumerate() {
        assert!(std::ptr::eq(dialect.era.dialect(), *dialect));
        assert_eq!(dialect.era.as_str(), dialect.label);
        assert!(!dialect.versions.is_empty(), "{}", dialect.label);
        assert!(
            dialect.versions.windows(2).all(|w| w[0] < w[1]),
            "{}: versions oldest first",
            dialect.label
        );
        for version in dialect.versions {
            assert_eq!(Era::of_version(version), Some(dialect.era), "{version}");
            assert!(std::ptr::eq(Dialect::of_version(version), *dialect));
        }
        if let Some(next) = ALL.get(index + 1) {
            assert!(dialect.versions.last() < next.versions.first());
        }
    }
    assert!(std::ptr::eq(Dialect::of_version("2024-11-05"), &LEGACY));
    assert!(std::ptr::eq(Dialect::of_version("2027-01-01"), &CURRENT));
}

#[test]
fn a_dialect_governs_its_own_rows_first_then_every_other_dialects() {
    for dialect in ALL {
        assert_eq!(dialect.governed.len(), GOVERNED_ROWS);
        let mut expected: Vec<Location> = dialect.locations.to_vec();
        for other in ALL.iter().filter(|d| d.era != dialect.era) {
            expected.extend_from_slice(other.locations);
        }
        assert_eq!(dialect.governed, expected.as_slice(), "{}", dialect.label);
    }
}

#[test]
fn the_creation_row_is_a_server_task_row_of_the_table_under_result() {
    for dialect in ALL {
        let row = dialect.creation;
        assert!(dialect.locations.contains(row), "{}", dialect.label);
        assert_eq!(
            (row.direction, row.on, row.role),
            (Direction::ToClient, Selector::AnyResponse, Role::ServerTask)
        );
        assert_eq!(row.path.first(), Some(&key("result")));
        assert_eq!(row.path.last(), Some(&key(dialect.task_fields.id)));
        assert!(!row.path.contains(&Seg::Each));
        if let Some((guard, _)) = row.when {
            assert_eq!(guard.first(), Some(&key("result")));
            assert!(!guard.contains(&Seg::Each));
        }
        assert_eq!(dialect.created_task_at(), &row.path[..row.path.len() - 1]);
    }
    assert_eq!(LEGACY.created_task_at(), &[key("result"), key("task")]);
    assert_eq!(CURRENT.created_task_at(), &[key("result")]);
}

#[test]
fn every_task_object_place_has_the_location_row_of_its_id() {
    for dialect in ALL {
        let ons: BTreeSet<String> = dialect
            .task_objects
            .iter()
            .map(|at| format!("{:?}", at.on))
            .collect();
        assert_eq!(
            ons.len(),
            dialect.task_objects.len(),
            "one place per message"
        );
        for at in dialect.task_objects {
            let on = match at.on {
                TaskObjectOn::Method(m) => Selector::Notification(m),
                TaskObjectOn::ResponseTo(m) => Selector::ResponseTo(m),
            };
            let mut id_path = at.path.to_vec();
            id_path.push(key(dialect.task_fields.id));
            let row = dialect.locations.iter().find(|row| {
                row.direction == Direction::ToClient && row.on == on && row.path == id_path
            });
            assert!(
                row.is_some_and(|r| r.role == Role::ServerTask),
                "{}: {at:?} has no id row",
                dialect.label
            );
        }
    }
}

#[test]
fn listings_are_arrays_of_task_objects_answering_own_task_methods() {
    for dialect in ALL {
        for listing in dialect.listings {
            assert!(dialect.task_methods.contains(&listing.answers));
            let mut each = listing.items.to_vec();
            each.push(Seg::Each);
            assert!(dialect.task_objects.iter().any(|at| {
                at.on == TaskObjectOn::ResponseTo(listing.answers) && at.path == each
            }));
        }
    }
    assert_eq!(LEGACY.listings.len(), 1);
    assert!(CURRENT.listings.is_empty());
}

#[test]
fn absent_methods_are_exactly_the_other_generations_own() {
    for dialect in ALL {
        let own = set(dialect.task_methods);
        let others: BTreeSet<_> = ALL
            .iter()
            .filter(|d| d.era != dialect.era)
            .flat_map(|d| d.task_methods.iter().copied())
            .collect();
        let absent: BTreeSet<_> = others.difference(&own).copied().collect();
        assert_eq!(
            set(dialect.absent_task_methods),
            absent,
            "{}",
            dialect.label
        );
        assert!(set(dialect.answered_once_terminal).is_subset(&own));
        assert!(set(dialect.capability.required_by).is_subset(&own));
        // Every task operation a client sends has its id row.
        for row in dialect.locations {
            if let (Direction::ToUpstream, Selector::Request(m)) = (row.direction, row.on) {
                assert!(own.contains(m), "{}: {m}", dialect.label);
            }
        }
    }
    assert_eq!(
        set(LEGACY.absent_task_methods),
        set(&[TASKS_UPDATE, SUBSCRIPTIONS_LISTEN])
    );
    assert_eq!(
        set(CURRENT.absent_task_methods),
        set(&[TASKS_RESULT, TASKS_LIST])
    );
}

#[test]
fn opt_ins_and_capabilities_sit_where_each_generation_declares_them() {
    let opt_ins: BTreeSet<_> = ALL.iter().map(|d| format!("{:?}", d.opt_in)).collect();
    assert_eq!(opt_ins.len(), ALL.len(), "one opt-in per generation");
    for dialect in ALL {
        assert!(dialect.opt_in.path().len() >= 2);
        if let Some(ttl) = dialect.requested_ttl {
            assert!(
                ttl.starts_with(dialect.opt_in.path()),
                "the TTL sits in the opt-in"
            );
        }
        let rule = dialect.capability;
        // A generation that declares capabilities on every request opts in
        // by declaring task support there.
        if rule.declared_on.is_none() {
            let mut declared = rule.declared_at.to_vec();
            declared.extend_from_slice(rule.member);
            assert_eq!(dialect.opt_in.path(), declared);
        }
    }
    assert_eq!(LEGACY.capability.declared_on, Some(INITIALIZE));
    assert_eq!(LEGACY.capability.advertised_in, INITIALIZE);
    assert_eq!(CURRENT.capability.advertised_in, SERVER_DISCOVER);
    assert_eq!(LEGACY.requested_ttl.map(<[Seg]>::len), Some(3));
    assert_eq!(CURRENT.requested_ttl, None);
}

#[test]
fn task_objects_differ_in_ttl_and_poll_names_only() {
    let (legacy, current) = (LEGACY.task_fields, CURRENT.task_fields);
    assert_eq!((legacy.ttl, legacy.poll_interval), ("ttl", "pollInterval"));
    assert_eq!(
        (current.ttl, current.poll_interval),
        ("ttlMs", "pollIntervalMs")
    );
    assert_eq!(
        TaskFields {
            ttl: current.ttl,
            poll_interval: current.poll_interval,
            ..legacy
        },
        current
    );
    for dialect in ALL {
        for status in ["completed", "failed", "cancelled"] {
            assert!(dialect.is_terminal(status));
        }
        for status in ["working", "input_required", "Completed", ""] {
            assert!(!dialect.is_terminal(status));
        }
    }
}

#[test]
fn creation_opt_in_as_the_pipeline_reads_it() {
    let param = OptIns {
        task_param: true,
        tasks_extension: false,
    };
    let extension = OptIns {
        task_param: false,
        tasks_extension: true,
    };
    let call = Some(TOOLS_CALL);
    // Legacy: a task-augmented tools/call (which may state a TTL).
    assert!(LEGACY.may_create_task(call, param) && LEGACY.may_request_ttl(call, param));
    assert!(!LEGACY.may_create_task(call, extension));
    assert!(!LEGACY.may_create_task(Some("prompts/get"), param));
    assert!(!LEGACY.may_create_task(None, param));
    // Current: a tools/call declaring the extension (no TTL to cap).
    assert!(CURRENT.may_create_task(call, extension) && !CURRENT.may_request_ttl(call, extension));
    assert!(!CURRENT.may_create_task(call, param));
    // The other generation's opt-in is foreign.
    assert!(LEGACY.carries_foreign_opt_in(extension) && !LEGACY.carries_foreign_opt_in(param));
    assert!(CURRENT.carries_foreign_opt_in(param) && !CURRENT.carries_foreign_opt_in(extension));
    assert!(!CURRENT.carries_foreign_opt_in(OptIns::default()));
    assert_eq!(
        LEGACY.foreign_opt_ins().collect::<Vec<_>>(),
        [OptIn::TasksExtension]
    );
    assert_eq!(
        CURRENT.foreign_opt_ins().collect::<Vec<_>>(),
        [OptIn::TaskParam]
    );
}

#[test]
fn only_current_task_operations_require_their_own_declaration() {
    for m in [TASKS_GET, TASKS_UPDATE, TASKS_CANCEL] {
        assert!(CURRENT.requires_tasks_declaration(Some(m), false), "{m}");
        assert!(!LEGACY.requires_tasks_declaration(Some(m), false), "{m}");
    }
    assert!(CURRENT.requires_tasks_declaration(Some(SUBSCRIPTIONS_LISTEN), true));
    assert!(!CURRENT.requires_tasks_declaration(Some(SUBSCRIPTIONS_LISTEN), false));
    assert!(!CURRENT.requires_tasks_declaration(Some(TOOLS_CALL), true));
    assert!(!CURRENT.requires_tasks_declaration(None, true));
}

#[test]
fn task_methods_of_every_generation() {
    for m in [
        TASKS_GET,
        TASKS_RESULT,
        TASKS_CANCEL,
        TASKS_UPDATE,
        TASKS_LIST,
        SUBSCRIPTIONS_LISTEN,
    ] {
        assert!(is_task_method(m), "{m}");
    }
    for m in [TOOLS_CALL, "tasks/other", "Tasks/Get", ""] {
        assert!(!is_task_method(m), "{m}");
    }
}

#[test]
fn transport_rules_per_era() {
    assert_eq!(
        LEGACY.transport,
        Transport {
            version_header_required: false,
            mirrored_headers: false,
            client_responses: true,
            absent_method_status: StatusCode::OK,
        }
    );
    assert_eq!(
        CURRENT.transport,
        Transport {
            version_header_required: true,
            mirrored_headers: true,
            client_responses: false,
            absent_method_status: StatusCode::NOT_FOUND,
        }
    );
}

#[test]
fn path_accessors_never_panic_and_find_only_what_is_there() {
    use serde_json::json;
    let mut message = json!({"params":{"task":{"ttl":5},"list":[{"a":1},{"a":2},3]}});
    assert_eq!(
        value_at(&message, &[key("params"), key("task"), key("ttl")]),
        Some(&json!(5))
    );
    assert_eq!(value_at(&message, &[key("params"), Seg::Each]), None);
    let mut found = Vec::new();
    values_at_mut(
        &mut message,
        &[key("params"), key("list"), Seg::Each, key("a")],
        &mut found,
    );
    assert_eq!(found.len(), 2);
    assert!(object_at_mut(&mut message, &[key("params"), key("list")]).is_none());
    assert!(!remove_at(&mut message, &[]));
    assert!(!remove_at(&mut message, &[key("params"), Seg::Each]));
    assert!(!remove_at(
        &mut message,
        &[key("params"), key("task"), key("ttl"), key("x")]
    ));
    assert!(remove_at(&mut message, &[key("params"), key("task")]));
    assert!(!remove_at(&mut message, &[key("params"), key("task")]));
    assert!(!remove_at(&mut json!("text"), &[key("params")]));
}
