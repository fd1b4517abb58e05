//! The webhook signature: `X-Ums-Signature: sha256=<hex>`, an
//! HMAC-SHA256 with the shared secret over `<timestamp>.<body>`, where the
//! timestamp (Unix seconds) is sent as `X-Ums-Timestamp`. A receiver
//! recomputes it and refuses a timestamp too far from its clock, so a
//! captured post cannot be replayed later (the same scheme as Stripe's and
//! Slack's).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "X-Ums-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Ums-Timestamp";
/// The delivery's id, the same on every retry: receivers drop repeats.
pub const DELIVERY_HEADER: &str = "X-Ums-Delivery";

fn mac(secret: &str, timestamp: u64, body: &[u8]) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The `X-Ums-Signature` value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in tag {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Whether `signature` is ours for `body` at `timestamp`, and `timestamp`
/// is within `tolerance_secs` of `now_secs` (compared in constant time).
pub fn verify(
    secret: &str,
    timestamp: u64,
    signature: &str,
    body: &[u8],
    now_secs: u64,
    tolerance_secs: u64,
) -> bool {
    if timestamp.abs_diff(now_secs) > tolerance_secs {
        return false;
    }
    let Some(hex) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Some(tag) = unhex(hex) else {
        return false;
    };
    mac(secret, timestamp, body).verify_slice(&tag).is_ok()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_time() {
        let body = br#"{"id":7,"status":"sent"}"#;
        let sig = sign("s3cret", 1_800_000_000, body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(verify(
            "s3cret",
            1_800_000_000,
            &sig,
            body,
            1_800_000_100,
            300
        ));
        assert!(!verify(
            "wrong",
            1_800_000_000,
            &sig,
            body,
            1_800_000_000,
            300
        ));
        assert!(!verify(
            "s3cret",
            1_800_000_001,
            &sig,
            body,
            1_800_000_000,
            300
        ));
        assert!(!verify(
            "s3cret",
            1_800_000_000,
            &sig,
            b"{}",
            1_800_000_000,
            300
        ));
        // A replay ten minutes later is refused.
        assert!(!verify(
            "s3cret",
            1_800_000_000,
            &sig,
            body,
            1_800_000_600,
            300
        ));
        assert!(!verify(
            "s3cret",
            1_800_000_000,
            "sha256=zz",
            body,
            1_800_000_000,
            300
        ));
    }
}
