//! Units of media that a fax session exchanges with a line: 20 ms frames of
//! 8 kHz linear audio, and T.38 IFP packets with their sequence numbers.

/// Samples per second on every telephone audio path.
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one 20 ms frame, the media tick of every driver.
pub const FRAME_SAMPLES: usize = 160;
/// Duration of one frame.
pub const FRAME_DURATION: std::time::Duration = std::time::Duration::from_millis(20);

/// One 20 ms frame of 8 kHz 16-bit linear audio.
pub type AudioFrame = [i16; FRAME_SAMPLES];

/// A silent frame.
pub const SILENCE: AudioFrame = [0; FRAME_SAMPLES];

/// One T.38 IFP packet (ITU-T T.38 clause 7) as carried in UDPTL: the
/// primary IFP octets and the sequence number it was sent with. Redundancy
/// and FEC belong to the UDPTL wire layer of the SIP driver, not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfpPacket {
    /// UDPTL sequence number (wraps at 65536).
    pub seq: u16,
    /// The encoded IFP packet (ASN.1 PER, as spandsp emits it).
    pub data: Vec<u8>,
}
