use uketsuke_identity::*;
use uuid::Uuid;

const RP: &str = "uketsuke.city.example";

struct Person {
    token: SoftAuthenticator,
    credential: PublicCredential,
}

fn policy_for(models: &[&TrustedModel], allow_software: bool) -> AuthenticatorPolicy {
    AuthenticatorPolicy::new(models.iter().map(|m| (*m).clone()).collect(), allow_software).unwrap()
}

fn register(
    rp: &RelyingParty,
    token: &mut SoftAuthenticator,
    staff_id: &str,
    policy: &AuthenticatorPolicy,
) -> Result<Registered> {
    let start = rp.start_registration(Uuid::new_v4(), staff_id, staff_id, vec![], policy)?;
    let answer = token.register(rp.origin(), start.options)?;
    rp.finish_registration(&start.state, &answer, policy)
}

fn person(rp: &RelyingParty, staff_id: &str) -> Person {
    let (mut token, model) = SoftAuthenticator::new().unwrap();
    let registered = register(rp, &mut token, staff_id, &policy_for(&[&model], true)).unwrap();
    assert_eq!(registered.aaguid, SOFTWARE_AAGUID);
    Person { token, credential: registered.credential }
}

fn sign(rp: &RelyingParty, p: &mut Person, challenge: &[u8; 32]) -> wire::PublicKeyCredential {
    let options = rp.request_options(std::slice::from_ref(&p.credential), challenge).unwrap();
    p.token.assert(rp.origin(), options).unwrap()
}

fn view(resident: &str) -> Action {
    Action::MyNumberView { staff_id: "S0100".into(), resident_id: resident.into(), reason: "本人確認".into() }
}

#[test]
fn an_assertion_over_the_bound_challenge_verifies_with_the_public_credential_alone() {
    let rp = RelyingParty::new(RP).unwrap();
    let mut alice = person(&rp, "S0100");
    let challenge = bound_challenge(&[1; 32], &[2; 32], &view("R1"));
    let first = sign(&rp, &mut alice, &challenge);
    // The verifier holds only what the catalog would carry.
    let public = PublicCredential::from_json(&alice.credential.to_json()).unwrap();
    let v1 = rp.verify(std::slice::from_ref(&public), &challenge, &first).unwrap();
    assert_eq!(v1.credential_id, public.id());
    let second = sign(&rp, &mut alice, &challenge);
    let v2 = rp.verify(std::slice::from_ref(&public), &challenge, &second).unwrap();
    assert!(counter_advances(v1.counter, v2.counter), "the software token counts: {} then {}", v1.counter, v2.counter);
    assert!(!counter_advances(v2.counter, v1.counter), "replaying the first assertion after the second is caught");
}

#[test]
fn an_assertion_for_another_action_terminal_or_nonce_does_not_verify() {
    let rp = RelyingParty::new(RP).unwrap();
    let mut alice = person(&rp, "S0100");
    let signed = bound_challenge(&[1; 32], &[2; 32], &view("R1"));
    let assertion = sign(&rp, &mut alice, &signed);
    let allowed = std::slice::from_ref(&alice.credential);
    for (what, other) in [
        ("another resident", bound_challenge(&[1; 32], &[2; 32], &view("R2"))),
        ("another terminal", bound_challenge(&[1; 32], &[3; 32], &view("R1"))),
        ("another nonce", bound_challenge(&[9; 32], &[2; 32], &view("R1"))),
    ] {
        let err = rp.verify(allowed, &other, &assertion).unwrap_err();
        assert_eq!(err.code(), "IDENTITY_ASSERTION_INVALID", "{what}: {err}");
    }
}

#[test]
fn a_colleagues_credential_is_not_this_persons() {
    let rp = RelyingParty::new(RP).unwrap();
    let mut alice = person(&rp, "S0100");
    let bob = person(&rp, "S0101");
    let challenge = bound_challenge(&[1; 32], &[2; 32], &view("R1"));
    let by_alice = sign(&rp, &mut alice, &challenge);
    let err = rp.verify(std::slice::from_ref(&bob.credential), &challenge, &by_alice).unwrap_err();
    assert_eq!(err.code(), "IDENTITY_CREDENTIAL_UNKNOWN");
    // And Bob's key, asked for Alice's credential, has nothing to sign with.
    let mut bob = bob;
    let options = rp.request_options(std::slice::from_ref(&alice.credential), &challenge).unwrap();
    assert_eq!(bob.token.assert(rp.origin(), options).unwrap_err().code(), "AUTHENTICATOR_NOT_RECOGNISED");
}

#[test]
fn an_assertion_made_for_another_relying_party_does_not_verify() {
    let ours = RelyingParty::new(RP).unwrap();
    let theirs = RelyingParty::new("phish.example").unwrap();
    let mut alice = person(&ours, "S0100");
    let challenge = bound_challenge(&[1; 32], &[2; 32], &view("R1"));
    let options = theirs.request_options(std::slice::from_ref(&alice.credential), &challenge).unwrap();
    let assertion = alice.token.assert(theirs.origin(), options).unwrap();
    let err = ours.verify(std::slice::from_ref(&alice.credential), &challenge, &assertion).unwrap_err();
    assert_eq!(err.code(), "IDENTITY_ASSERTION_INVALID", "{err}");
}

#[test]
fn the_policy_refuses_software_outside_the_demo_city_and_models_it_does_not_list() {
    let rp = RelyingParty::new(RP).unwrap();
    let (mut token, model) = SoftAuthenticator::new().unwrap();
    let err = register(&rp, &mut token, "S0100", &policy_for(&[&model], false)).unwrap_err();
    assert_eq!(err.code(), "AUTHENTICATOR_SOFTWARE_REFUSED");

    // A token whose attestation chains to a CA the city did not list.
    let (_, other_model) = SoftAuthenticator::new().unwrap();
    let err = register(&rp, &mut token, "S0100", &policy_for(&[&other_model], true)).unwrap_err();
    assert_eq!(err.code(), "AUTHENTICATOR_NOT_ACCEPTED", "{err}");

    // The right CA, but the city lists another model under it.
    let mut narrowed = model.clone();
    narrowed.aaguids = vec![Uuid::from_u128(42)];
    let err = register(&rp, &mut token, "S0100", &policy_for(&[&narrowed], true)).unwrap_err();
    assert_eq!(err.code(), "AUTHENTICATOR_NOT_ACCEPTED", "{err}");

    assert_eq!(AuthenticatorPolicy::new(vec![], true).unwrap_err().code(), "AUTHENTICATOR_POLICY_EMPTY");
}

#[test]
fn an_authenticator_that_does_not_verify_its_user_cannot_register() {
    let rp = RelyingParty::new(RP).unwrap();
    let (mut token, model) = SoftAuthenticator::without_user_verification().unwrap();
    let err = register(&rp, &mut token, "S0100", &policy_for(&[&model], true)).unwrap_err();
    assert!(
        matches!(err.code(), "AUTHENTICATOR_NOT_ACCEPTED" | "AUTHENTICATOR_FAILED"),
        "refused either by the token or by the relying party: {err}"
    );
}

#[test]
fn the_software_token_keeps_its_keys_and_counter_across_a_save() {
    let rp = RelyingParty::new(RP).unwrap();
    let mut alice = person(&rp, "S0100");
    let challenge = bound_challenge(&[1; 32], &[2; 32], &view("R1"));
    let assertion = sign(&rp, &mut alice, &challenge);
    let before = rp.verify(std::slice::from_ref(&alice.credential), &challenge, &assertion).unwrap();
    let dir = tempfile_dir();
    let path = dir.join("S0100.softtoken");
    alice.token.save(&path).unwrap();
    alice.token = SoftAuthenticator::load(&path).unwrap();
    let assertion = sign(&rp, &mut alice, &challenge);
    let after = rp.verify(std::slice::from_ref(&alice.credential), &challenge, &assertion).unwrap();
    assert!(counter_advances(before.counter, after.counter));
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("uketsuke-identity-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_relying_party_id_must_be_a_host_name() {
    assert_eq!(RelyingParty::new("not a host").err().unwrap().code(), "IDENTITY_CONFIG_INVALID");
    assert_eq!(RelyingParty::new("127.0.0.1").err().unwrap().code(), "IDENTITY_CONFIG_INVALID");
}
