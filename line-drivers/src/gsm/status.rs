//! What a status report's TP-ST says (3GPP TS 23.040 §9.2.3.15), in the
//! words the sender's confirmation uses.

/// The fate of a sent message, from TP-ST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Delivered to the handset (0x00–0x1F).
    Delivered,
    /// The SMSC is still trying (0x20–0x3F).
    Pending,
    /// Given up: permanent error (0x40–0x5F) or temporary error after which
    /// the SMSC stopped trying (0x60–0x7F).
    Failed,
}

/// TP-ST values and their meaning.
const STATUS_TEXT: &[(u8, &str)] = &[
    (0x00, "delivered to the handset"),
    (0x01, "forwarded, delivery not confirmed"),
    (0x02, "replaced by the service centre"),
    (0x20, "congestion"),
    (0x21, "the handset is busy"),
    (0x22, "no response from the handset"),
    (0x23, "service rejected"),
    (0x24, "quality of service not available"),
    (0x25, "error in the handset"),
    (0x40, "remote procedure error"),
    (0x41, "incompatible destination"),
    (0x42, "connection rejected by the handset"),
    (0x43, "not obtainable"),
    (0x44, "quality of service not available"),
    (0x45, "no interworking available"),
    (0x46, "validity period expired"),
    (0x47, "deleted by the sender"),
    (0x48, "deleted by the service centre's administration"),
    (0x49, "the message does not exist"),
    (0x60, "congestion"),
    (0x61, "the handset is busy"),
    (0x62, "no response from the handset"),
    (0x63, "service rejected"),
    (0x64, "quality of service not available"),
    (0x65, "error in the handset"),
];

impl DeliveryStatus {
    /// The class of a TP-ST value (bit 7 is reserved and ignored).
    pub fn from_st(st: u8) -> DeliveryStatus {
        match st & 0x7f {
            0x00..=0x1f => DeliveryStatus::Delivered,
            0x20..=0x3f => DeliveryStatus::Pending,
            _ => DeliveryStatus::Failed,
        }
    }
}

/// The network's reason in words, for a TP-ST value.
pub fn status_text(st: u8) -> String {
    match STATUS_TEXT.iter().find(|&&(c, _)| c == st) {
        Some((_, t)) => (*t).to_string(),
        None => match DeliveryStatus::from_st(st) {
            DeliveryStatus::Delivered => format!("delivered (status {st:#04x})"),
            DeliveryStatus::Pending => format!("still trying (status {st:#04x})"),
            DeliveryStatus::Failed => format!("failed (status {st:#04x})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_words() {
        assert_eq!(DeliveryStatus::from_st(0x00), DeliveryStatus::Delivered);
        assert_eq!(DeliveryStatus::from_st(0x22), DeliveryStatus::Pending);
        assert_eq!(DeliveryStatus::from_st(0x46), DeliveryStatus::Failed);
        assert_eq!(DeliveryStatus::from_st(0x62), DeliveryStatus::Failed);
        assert_eq!(status_text(0x46), "validity period expired");
        assert_eq!(status_text(0x5f), "failed (status 0x5f)");
    }
}
