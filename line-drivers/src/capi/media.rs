//! B-channel audio: a transparent B-channel (B1 = 1, B2 = 1, B3 = 0)
//! carries 64 kbit/s A-law, 8000 octets a second, each octet with its bits
//! in the order they went over the S0/S2M interface: least significant
//! first, so reversed against G.711's octet. This turns DATA_B3 blocks of
//! any size into our 20 ms frames of 160 samples and back.

use fax_t30::g711::Law;
use fax_t30::media::{AudioFrame, FRAME_SAMPLES};

/// Octets of one 20 ms frame on the B-channel.
pub const FRAME_OCTETS: usize = FRAME_SAMPLES;

/// Octets buffered at most on the way in (a second): a controller that
/// sends faster than the line is read loses the oldest audio.
pub const MAX_BUFFERED: usize = 8000;

/// One B-channel octet from a linear sample.
pub fn encode_sample(sample: i16) -> u8 {
    Law::ALaw.encode(sample).reverse_bits()
}

/// The linear sample of one B-channel octet.
pub fn decode_sample(octet: u8) -> i16 {
    Law::ALaw.decode(octet.reverse_bits())
}

/// A frame as the 160 octets of one DATA_B3_REQ.
pub fn encode_frame(frame: &AudioFrame) -> Vec<u8> {
    frame.iter().map(|s| encode_sample(*s)).collect()
}

/// Collects DATA_B3 data and cuts it into 20 ms frames.
#[derive(Debug, Default)]
pub struct FrameAssembler {
    buf: Vec<u8>,
    dropped: usize,
}

impl FrameAssembler {
    /// An empty assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a DATA_B3_IND's data.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        if self.buf.len() > MAX_BUFFERED {
            let excess = self.buf.len() - MAX_BUFFERED;
            self.buf.drain(..excess);
            self.dropped += excess;
        }
    }

    /// The next whole frame.
    pub fn next_frame(&mut self) -> Option<AudioFrame> {
        if self.buf.len() < FRAME_OCTETS {
            return None;
        }
        let mut frame = [0; FRAME_SAMPLES];
        for (s, o) in frame.iter_mut().zip(self.buf.drain(..FRAME_OCTETS)) {
            *s = decode_sample(o);
        }
        Some(frame)
    }

    /// Octets of audio dropped because they came faster than read.
    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octets_are_alaw_with_the_bits_reversed() {
        // A-law silence is 0xd5 (positive zero); on the B-channel 0xab.
        assert_eq!(Law::ALaw.encode(0), 0xd5);
        assert_eq!(encode_sample(0), 0xab);
        for o in 0..=255u8 {
            assert_eq!(encode_sample(decode_sample(o)), o);
        }
    }

    #[test]
    fn blocks_of_any_size_make_whole_frames_in_order() {
        let mut frame = [0i16; FRAME_SAMPLES];
        for (i, s) in frame.iter_mut().enumerate() {
            *s = Law::ALaw.compand((i as i16 - 80) * 300);
        }
        let octets: Vec<u8> = [encode_frame(&frame), encode_frame(&frame)].concat();
        let mut a = FrameAssembler::new();
        let mut out = Vec::new();
        for block in octets.chunks(128) {
            a.push(block);
            out.extend(std::iter::from_fn(|| a.next_frame()));
        }
        assert_eq!(out, [frame, frame]);
        assert_eq!(a.dropped(), 0);
        a.push(&vec![0xab; MAX_BUFFERED + 10]);
        assert_eq!(a.dropped(), 10);
    }
}
