use super::*;
use crate::handle::{KeyRing, MAX_HANDLE_LEN};

fn codec() -> HandleCodec {
    HandleCodec::new(KeyRing::new(&[("k1".to_string(), vec![1; 32])], "k1").unwrap())
}

fn owner(n: u8) -> Owner {
    Owner([n; 16])
}

/// A state of `len` bytes sealed for owner 1, issued at 1 000, expiring at 1 300.
fn state(len: usize) -> Sealed {
    Sealed {
        owner: owner(1),
        issued_at: 1_000,
        expires_at: Some(1_300),
        epoch: 2,
        upstream: "s".repeat(len),
        session: None,
        tool: None,
    }
}

const CALL: StateRequest<'static> = StateRequest {
    method: "tools/call",
    name: Some("book_trip"),
};

#[test]
fn round_trips_for_the_same_request_owner_and_route() {
    let c = codec();
    let sealed = state(200);
    let h = c.seal_request_state("billing", &CALL, &sealed).unwrap();
    assert!(h.starts_with("tg1.k1."));
    assert!(!h.contains("sss"), "the state is not readable in {h}");
    assert_eq!(
        c.verify_request_state("billing", &CALL, &h, &owner(1), 1_100, 2),
        Ok(sealed)
    );
}

#[test]
fn another_request_route_owner_or_kind_is_refused() {
    let c = codec();
    let h = c.seal_request_state("billing", &CALL, &state(200)).unwrap();
    let verify = |route: &str, request: &StateRequest<'_>, who: u8| {
        c.verify_request_state(route, request, &h, &owner(who), 1_100, 2)
    };
    let other_name = StateRequest {
        name: Some("cancel_trip"),
        ..CALL
    };
    let no_name = StateRequest { name: None, ..CALL };
    let other_method = StateRequest {
        method: "prompts/get",
        ..CALL
    };
    // A name that shifts bytes between method and name still differs.
    let shifted = StateRequest {
        method: "tools/callb",
        name: Some("ook_trip"),
    };
    for (what, request) in [
        ("other name", &other_name),
        ("no name", &no_name),
        ("other method", &other_method),
        ("shifted", &shifted),
    ] {
        assert_eq!(
            verify("billing", request, 1),
            Err(Denial::BadSeal),
            "{what}"
        );
    }
    assert_eq!(verify("hr", &CALL, 1), Err(Denial::BadSeal), "other route");
    assert_eq!(
        verify("billing", &CALL, 2),
        Err(Denial::Foreign),
        "other owner"
    );
    for kind in [Kind::Task, Kind::Session, Kind::Cursor] {
        assert_eq!(
            c.open(kind, "billing", &h),
            Err(Denial::BadSeal),
            "a requestState handle used as {kind:?}"
        );
    }
}

#[test]
fn another_kinds_handle_is_no_request_state() {
    let c = codec();
    let mut task = state(36);
    task.session = Some("sess".into());
    let h = c.seal(Kind::Task, "billing", &task).unwrap();
    assert_eq!(
        c.verify_request_state("billing", &CALL, &h, &owner(1), 1_100, 2),
        Err(Denial::BadSeal)
    );
}

#[test]
fn expires_and_obeys_the_epoch() {
    let c = codec();
    let h = c.seal_request_state("billing", &CALL, &state(200)).unwrap();
    let at = |now, epoch| c.verify_request_state("billing", &CALL, &h, &owner(1), now, epoch);
    assert!(at(1_299, 2).is_ok());
    assert_eq!(at(1_300, 2), Err(Denial::Expired));
    assert_eq!(at(1_100, 3), Err(Denial::Revoked));
}

#[test]
fn has_its_own_length_bound() {
    let c = codec();
    // Far longer than any task handle, still sealed and opened.
    let big = state(MAX_REQUEST_STATE_LEN);
    let h = c.seal_request_state("billing", &CALL, &big).unwrap();
    assert!(h.len() > MAX_HANDLE_LEN);
    assert!(h.len() <= MAX_REQUEST_STATE_HANDLE_LEN, "{}", h.len());
    assert_eq!(
        c.verify_request_state("billing", &CALL, &h, &owner(1), 1_100, 2),
        Ok(big)
    );
    // One byte more is not sealed; an empty state neither.
    assert_eq!(
        c.seal_request_state("billing", &CALL, &state(MAX_REQUEST_STATE_LEN + 1)),
        None
    );
    assert_eq!(c.seal_request_state("billing", &CALL, &state(0)), None);
    // A presented handle over the bound is malformed before any work.
    let huge = format!("tg1.k1.{}", "A".repeat(MAX_REQUEST_STATE_HANDLE_LEN));
    assert_eq!(
        c.verify_request_state("billing", &CALL, &huge, &owner(1), 1_100, 2),
        Err(Denial::Malformed)
    );
    // The task kinds keep theirs.
    assert_eq!(c.seal(Kind::Task, "billing", &state(513)), None);
}

#[test]
fn tampering_and_garbage_are_refused() {
    let c = codec();
    let h = c.seal_request_state("billing", &CALL, &state(200)).unwrap();
    let mut tampered = h.clone();
    tampered.push_str("-TAMPERED");
    for input in [
        tampered,
        h[..h.len() - 4].to_string(),
        String::new(),
        "{\"round\":1}".into(),
    ] {
        assert!(
            c.verify_request_state("billing", &CALL, &input, &owner(1), 1_100, 2)
                .is_err(),
            "{input:?}"
        );
    }
}
