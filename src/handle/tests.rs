use proptest::prelude::*;

use super::*;

fn ring(keys: &[(&str, u8)], signing: &str) -> KeyRing {
    let keys: Vec<(String, Vec<u8>)> = keys
        .iter()
        .map(|(k, b)| (k.to_string(), vec![*b; 32]))
        .collect();
    KeyRing::new(&keys, signing).unwrap()
}

fn codec() -> HandleCodec {
    HandleCodec::new(ring(&[("k1", 1)], "k1"))
}

fn owner(n: u8) -> Owner {
    Owner([n; 16])
}

fn sealed() -> Sealed {
    Sealed {
        owner: owner(1),
        issued_at: 1_000,
        expires_at: Some(2_000),
        epoch: 3,
        upstream: "task-42".into(),
        session: Some("sess-9".into()),
        tool: Some("slow_report".into()),
    }
}

#[test]
fn round_trips_and_is_deterministic() {
    let c = codec();
    let h = c.seal(Kind::Task, "billing", &sealed()).unwrap();
    assert!(h.starts_with("tg1.k1."));
    assert_eq!(
        c.seal(Kind::Task, "billing", &sealed()).unwrap(),
        h,
        "same task, same owner → same handle"
    );
    assert_eq!(
        c.verify(Kind::Task, "billing", &h, &owner(1), 1_500, 3)
            .unwrap(),
        sealed()
    );
    let mut other_task = sealed();
    other_task.upstream = "task-43".into();
    assert_ne!(c.seal(Kind::Task, "billing", &other_task).unwrap(), h);
}

#[test]
fn reveals_neither_upstream_id_nor_session() {
    let c = codec();
    let h = c.seal(Kind::Task, "billing", &sealed()).unwrap();
    for secret in ["task-42", "sess-9", "slow_report", "billing"] {
        assert!(!h.contains(secret), "{secret} visible in {h}");
    }
}

#[test]
fn every_binding_dimension_is_enforced() {
    let c = codec();
    let h = c.seal(Kind::Task, "billing", &sealed()).unwrap();
    assert_eq!(
        c.verify(Kind::Task, "billing", &h, &owner(2), 1_500, 3),
        Err(Denial::Foreign)
    );
    assert_eq!(
        c.verify(Kind::Task, "hr", &h, &owner(1), 1_500, 3),
        Err(Denial::BadSeal)
    );
    assert_eq!(
        c.verify(Kind::Session, "billing", &h, &owner(1), 1_500, 3),
        Err(Denial::BadSeal)
    );
    assert_eq!(
        c.verify(Kind::Task, "billing", &h, &owner(1), 2_000, 3),
        Err(Denial::Expired)
    );
    assert_eq!(
        c.verify(Kind::Task, "billing", &h, &owner(1), 1_500, 4),
        Err(Denial::Revoked)
    );
    let other_key = HandleCodec::new(ring(&[("k1", 9)], "k1"));
    assert_eq!(
        other_key.verify(Kind::Task, "billing", &h, &owner(1), 1_500, 3),
        Err(Denial::BadSeal)
    );
}

#[test]
fn malformed_inputs_are_refused_without_panicking() {
    let c = codec();
    let h = c.seal(Kind::Task, "r", &sealed()).unwrap();
    let cases = [
        (String::new(), Denial::Malformed),
        ("task-42".to_string(), Denial::Malformed),
        ("tg1.k1".to_string(), Denial::Malformed),
        ("tg1.k1.!!!".to_string(), Denial::Malformed),
        ("tg1.k1.AAAA".to_string(), Denial::Malformed),
        ("tg2.k1.AAAA".to_string(), Denial::UnknownVersion),
        (h.replacen("tg1.k1.", "tg1.k9.", 1), Denial::UnknownKey),
        (format!("{h}x"), Denial::Malformed),
        (h[..h.len() - 3].to_string(), Denial::BadSeal),
        (
            "tg1.k1.".to_string() + &"A".repeat(MAX_HANDLE_LEN),
            Denial::Malformed,
        ),
        ("tâche.k1.AAAA".to_string(), Denial::UnknownVersion),
    ];
    for (input, want) in cases {
        let got = c
            .verify(Kind::Task, "r", &input, &owner(1), 1_500, 3)
            .unwrap_err();
        // Truncation can land on a valid base64 boundary or not; both are refusals.
        if want == Denial::BadSeal {
            assert!(
                matches!(got, Denial::BadSeal | Denial::Malformed),
                "{input:?}: {got:?}"
            );
        } else {
            assert_eq!(got, want, "{input:?}");
        }
    }
}

#[test]
fn rotation_keeps_old_handles_verifiable_and_seals_with_the_new_key() {
    let old = HandleCodec::new(ring(&[("k1", 1)], "k1"));
    let h_old = old.seal(Kind::Task, "r", &sealed()).unwrap();
    let rotated = HandleCodec::new(ring(&[("k1", 1), ("k2", 2)], "k2"));
    assert!(
        rotated
            .verify(Kind::Task, "r", &h_old, &owner(1), 1_500, 3)
            .is_ok()
    );
    let h_new = rotated.seal(Kind::Task, "r", &sealed()).unwrap();
    assert!(h_new.starts_with("tg1.k2."));
    let retired = HandleCodec::new(ring(&[("k2", 2)], "k2"));
    assert_eq!(
        retired.verify(Kind::Task, "r", &h_old, &owner(1), 1_500, 3),
        Err(Denial::UnknownKey)
    );
    assert!(
        retired
            .verify(Kind::Task, "r", &h_new, &owner(1), 1_500, 3)
            .is_ok()
    );
}

#[test]
fn fingerprints_are_stable_and_do_not_contain_the_handle() {
    let c = codec();
    let h = c.seal(Kind::Task, "r", &sealed()).unwrap();
    assert_eq!(c.fingerprint(&h), c.fingerprint(&h));
    assert_ne!(c.fingerprint(&h), c.fingerprint("other"));
    assert!(!h.contains(&c.fingerprint(&h)));
}

fn arb_sealed() -> impl Strategy<Value = Sealed> {
    (
        any::<[u8; 16]>(),
        any::<u64>(),
        proptest::option::of(1u64..),
        any::<u32>(),
        "[ -~]{1,80}",
        proptest::option::of("[ -~]{1,80}"),
        proptest::option::of("[a-z_]{1,30}"),
    )
        .prop_map(
            |(o, issued_at, expires_at, epoch, upstream, session, tool)| Sealed {
                owner: Owner(o),
                issued_at,
                expires_at,
                epoch,
                upstream,
                session,
                tool,
            },
        )
}

proptest! {
    #[test]
    fn any_sealed_value_round_trips(s in arb_sealed()) {
        let c = codec();
        let h = c.seal(Kind::Task, "route", &s).unwrap();
        prop_assert_eq!(c.open(Kind::Task, "route", &h).unwrap(), s);
    }

    #[test]
    fn any_single_character_change_is_refused(s in arb_sealed(), pos in any::<prop::sample::Index>(), ch in "[A-Za-z0-9_.-]") {
        let c = codec();
        let h = c.seal(Kind::Task, "route", &s).unwrap();
        let i = pos.index(h.len());
        let mut changed = h.clone();
        changed.replace_range(i..=i, &ch);
        prop_assume!(changed != h);
        prop_assert!(c.open(Kind::Task, "route", &changed).is_err());
    }

    #[test]
    fn another_identity_never_verifies(s in arb_sealed(), other in any::<[u8; 16]>()) {
        prop_assume!(other != s.owner.0);
        let c = codec();
        let h = c.seal(Kind::Task, "route", &s).unwrap();
        prop_assert_eq!(c.verify(Kind::Task, "route", &h, &Owner(other), 0, 0), Err(Denial::Foreign));
    }

    #[test]
    fn arbitrary_strings_never_verify_or_panic(input in "\\PC{0,300}") {
        let c = codec();
        prop_assert!(c.open(Kind::Task, "route", &input).is_err());
    }
}
