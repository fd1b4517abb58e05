//! The only module with `unsafe`: safe owners of spandsp's C state.
//! Every other module of the crate, and every other crate, forbids unsafe.
#![allow(unsafe_code)]

pub(crate) mod codec;
pub(crate) mod engine;
mod front_end;
pub(crate) mod t31;
pub(crate) mod tones;

/// spandsp's bit masks, named once for the safe modules.
pub(crate) mod consts {
    use spandsp_sys as sys;
    pub const SUPPORT_V27TER: u32 = sys::T30_SUPPORT_V27TER;
    pub const SUPPORT_V29: u32 = sys::T30_SUPPORT_V29;
    pub const SUPPORT_V17: u32 = sys::T30_SUPPORT_V17;
    pub const COMPRESSION_T4_1D: u32 = sys::t4_image_compression_t_T4_COMPRESSION_T4_1D;
    pub const COMPRESSION_T4_2D: u32 = sys::t4_image_compression_t_T4_COMPRESSION_T4_2D;
    pub const COMPRESSION_T6: u32 = sys::t4_image_compression_t_T4_COMPRESSION_T6;
    pub const RES_STANDARD: u32 = 0x1; // T4_RESOLUTION_R8_STANDARD (t4_rx.h; anonymous enum, not in the bindings)
    pub const RES_FINE: u32 = 0x2; // T4_RESOLUTION_R8_FINE
    pub const RES_SUPERFINE: u32 = 0x4; // T4_RESOLUTION_R8_SUPERFINE
    pub const WIDTH_215MM: u32 = 0x01; // T4_SUPPORT_WIDTH_215MM
    pub const WIDTH_255MM: u32 = 0x02; // T4_SUPPORT_WIDTH_255MM
    pub const LENGTH_US_LETTER: u32 = 0x80000; // T4_SUPPORT_LENGTH_US_LETTER
    pub const LENGTH_A4: u32 = 0x20000; // T4_SUPPORT_LENGTH_A4
    pub const LENGTH_B4: u32 = 0x40000; // T4_SUPPORT_LENGTH_B4
    pub const LENGTH_UNLIMITED: u32 = 0x10000; // T4_SUPPORT_LENGTH_UNLIMITED
    pub const LENGTH_US_LEGAL: u32 = 0x100000; // T4_SUPPORT_LENGTH_US_LEGAL
                                               // T.30 FCFs as spandsp compares them (X bit masked off).
    pub const FCF_DIS: u8 = sys::T30_DIS as u8;
    pub const FCF_DCS: u8 = sys::T30_DCS as u8;
    pub const FCF_CFR: u8 = sys::T30_CFR as u8;
    pub const FCF_FTT: u8 = sys::T30_FTT as u8;
    pub const FCF_MPS: u8 = sys::T30_MPS as u8;
    pub const FCF_EOP: u8 = sys::T30_EOP as u8;
    pub const FCF_EOM: u8 = sys::T30_EOM as u8;
    pub const FCF_PRI_EOP: u8 = sys::T30_PRI_EOP as u8;
    pub const FCF_PPS: u8 = sys::T30_PPS as u8;
    pub const FCF_MCF: u8 = sys::T30_MCF as u8;
    pub const FCF_RTP: u8 = sys::T30_RTP as u8;
    pub const FCF_RTN: u8 = sys::T30_RTN as u8;
    pub const FCF_PPR: u8 = sys::T30_PPR as u8;
    pub const FCF_CTC: u8 = sys::T30_CTC as u8;
    pub const FCF_DCN: u8 = sys::T30_DCN as u8;
}
