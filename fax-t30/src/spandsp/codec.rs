//! Safe owners of spandsp's bilevel image codecs: `t4_t6_encode_state_t`
//! (ITU-T T.4 MH/MR and T.6 MMR compression) and `t4_rx_state_t` used
//! without a file, as a T.4/T.6 decompressor that also counts bad rows.
//!
//! Both move rows through C callbacks. Each wrapper boxes the Rust side of
//! the callback (a row source or a row sink), hands spandsp a pointer to the
//! box as `user_data`, and frees the C state in `Drop` before the box goes.
//!
//! The bit order is spandsp's own: the first bit of the code stream is the
//! least significant bit of the first byte (TIFF FillOrder 2, the order bits
//! leave a modem). The safe layer in `crate::codec` turns that around.

use std::ffi::{c_int, c_void};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use spandsp_sys as sys;

use crate::page::MAX_WIDTH;
use crate::Error;

/// spandsp's names for the three codings (`t4_image_compression_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    /// T.4 one-dimensional (Modified Huffman).
    T4OneD,
    /// T.4 two-dimensional (Modified READ) with this K parameter.
    T4TwoD { k: u32 },
    /// T.6 (Modified Modified READ).
    T6,
}

impl Coding {
    fn code(self) -> c_int {
        let code = match self {
            Coding::T4OneD => sys::t4_image_compression_t_T4_COMPRESSION_T4_1D,
            Coding::T4TwoD { .. } => sys::t4_image_compression_t_T4_COMPRESSION_T4_2D,
            Coding::T6 => sys::t4_image_compression_t_T4_COMPRESSION_T6,
        };
        code as c_int
    }
}

/// Where the encoder's row read handler takes its rows from.
struct RowSource<'a> {
    data: &'a [u8],
    stride: usize,
    next: usize,
}

/// A T.4/T.6 encoder reading the rows of one packed bitmap.
pub(crate) struct Encoder<'a> {
    state: NonNull<sys::t4_t6_encode_state_t>,
    /// A leaked `Box<RowSource>`, read by spandsp through `user_data` and
    /// freed in `drop` after `state`.
    source: NonNull<RowSource<'a>>,
    _data: PhantomData<&'a [u8]>,
}

/// Row read handler: copy the next row into spandsp's buffer, or return 0
/// at the end of the image.
unsafe extern "C" fn read_row_trampoline(
    user_data: *mut c_void,
    buf: *mut u8,
    len: usize,
) -> c_int {
    // SAFETY: `user_data` is the `RowSource` boxed by `Encoder::new`; the box
    // outlives the C state that calls us, and spandsp calls us only from
    // inside `t4_t6_encode_get`, which holds `&mut Encoder`.
    let source = unsafe { &mut *user_data.cast::<RowSource>() };
    let start = source.next * source.stride;
    if len != source.stride || start + len > source.data.len() {
        return 0;
    }
    // SAFETY: spandsp passes a buffer of `len` writable bytes (its
    // `bytes_per_row`, which equals our stride as checked above).
    let dst = unsafe { std::slice::from_raw_parts_mut(buf, len) };
    dst.copy_from_slice(&source.data[start..start + len]);
    source.next += 1;
    len as c_int
}

impl<'a> Encoder<'a> {
    /// Prepare to encode `data` (packed rows, `(width + 7) / 8` bytes each,
    /// 1 = black, MSB first) as one page.
    pub(crate) fn new(data: &'a [u8], width: u32, coding: Coding) -> Result<Self, Error> {
        // spandsp keeps one row in a variable-length array on the C stack.
        if width == 0 || width > MAX_WIDTH {
            return Err(Error::UnsupportedPage(format!(
                "cannot encode rows {width} pixels wide (1..={MAX_WIDTH})"
            )));
        }
        let width_c = width as c_int;
        let stride = width.div_ceil(8) as usize;
        let source = NonNull::from(Box::leak(Box::new(RowSource {
            data,
            stride,
            next: 0,
        })));
        // SAFETY: a NULL state asks spandsp to allocate one; the handler and
        // its user_data stay valid for the life of the state (see the struct).
        let raw = unsafe {
            sys::t4_t6_encode_init(
                ptr::null_mut(),
                coding.code(),
                width_c,
                -1,
                Some(read_row_trampoline),
                source.as_ptr().cast(),
            )
        };
        let Some(state) = NonNull::new(raw) else {
            // SAFETY: `source` came from `Box::leak` above and no C state refers to it.
            drop(unsafe { Box::from_raw(source.as_ptr()) });
            return Err(Error::Engine("t4_t6_encode_init failed".into()));
        };
        if let Coding::T4TwoD { k } = coding {
            // SAFETY: `state` is a live encoder we own.
            unsafe {
                sys::t4_t6_encode_set_max_2d_rows_per_1d_row(
                    state.as_ptr(),
                    k.clamp(1, 64) as c_int,
                )
            };
        }
        Ok(Encoder {
            state,
            source,
            _data: PhantomData,
        })
    }

    /// Fill `buf` with the next code bytes. A count shorter than `buf`
    /// means the image (with its RTC or EOFB) is complete.
    pub(crate) fn get(&mut self, buf: &mut [u8]) -> usize {
        let max = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
        // SAFETY: `state` is live; spandsp writes at most `max` bytes into `buf`.
        let n = unsafe { sys::t4_t6_encode_get(self.state.as_ptr(), buf.as_mut_ptr(), max) };
        usize::try_from(n).unwrap_or(0)
    }
}

impl Drop for Encoder<'_> {
    fn drop(&mut self) {
        // SAFETY: the state was allocated by `t4_t6_encode_init` and is freed
        // once; after that nothing refers to the leaked source box.
        unsafe {
            sys::t4_t6_encode_free(self.state.as_ptr());
            drop(Box::from_raw(self.source.as_ptr()));
        }
    }
}

/// Where the decoder's row write handler puts its rows.
struct RowSink {
    stride: usize,
    max_rows: usize,
    rows: usize,
    data: Vec<u8>,
    /// A row arrived after `max_rows`: decoding was interrupted.
    overflow: bool,
}

/// Row write handler: append one decoded row; `len == 0` marks the end.
unsafe extern "C" fn write_row_trampoline(
    user_data: *mut c_void,
    buf: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: `user_data` is the `RowSink` boxed by `Decoder::new`; the box
    // outlives the C state, and spandsp calls us only from inside
    // `t4_rx_put*` / `t4_rx_end_page`, which hold `&mut Decoder`.
    let sink = unsafe { &mut *user_data.cast::<RowSink>() };
    if buf.is_null() || len == 0 {
        return 0;
    }
    if len != sink.stride {
        return -1;
    }
    if sink.rows >= sink.max_rows {
        sink.overflow = true;
        return -1;
    }
    // SAFETY: spandsp passes its row buffer of `len` readable bytes.
    let row = unsafe { std::slice::from_raw_parts(buf, len) };
    sink.data.extend_from_slice(row);
    sink.rows += 1;
    0
}

/// What a finished decode produced.
pub(crate) struct DecodeResult {
    /// Packed rows, `stride` bytes each.
    pub data: Vec<u8>,
    pub rows: u32,
    pub bad_rows: u32,
    pub longest_bad_run: u32,
    /// More rows followed than the caller asked for.
    pub overflow: bool,
}

/// A T.4/T.6 decoder for one page, writing rows into a boxed sink.
pub(crate) struct Decoder {
    state: NonNull<sys::t4_rx_state_t>,
    /// A leaked `Box<RowSink>`, written by spandsp through `user_data` and
    /// freed in `drop` after `state`.
    sink: NonNull<RowSink>,
    done: bool,
}

impl Decoder {
    /// Prepare to decode one page of `width` pixels, keeping at most
    /// `max_rows` rows.
    pub(crate) fn new(coding: Coding, width: u32, max_rows: u32) -> Result<Self, Error> {
        let width_c = c_int::try_from(width).map_err(|_| Error::Engine("image too wide".into()))?;
        let stride = width.div_ceil(8) as usize;
        let sink = NonNull::from(Box::leak(Box::new(RowSink {
            stride,
            max_rows: max_rows as usize,
            rows: 0,
            data: Vec::with_capacity(stride * (max_rows as usize).min(2400)),
            overflow: false,
        })));
        // SAFETY: NULL state and NULL file: spandsp allocates a context that
        // writes no TIFF and hands rows to the handler we set below.
        let raw = unsafe { sys::t4_rx_init(ptr::null_mut(), ptr::null(), coding.code()) };
        let Some(state) = NonNull::new(raw) else {
            // SAFETY: `sink` came from `Box::leak` above and no C state refers to it.
            drop(unsafe { Box::from_raw(sink.as_ptr()) });
            return Err(Error::Engine("t4_rx_init failed".into()));
        };
        // From here on `Drop for Decoder` frees both.
        let decoder = Decoder {
            state,
            sink,
            done: false,
        };
        // SAFETY: `state` is live. The width must be set before the encoding
        // (which creates the decoder), and the row handler after it; the
        // handler's user_data is the boxed sink that lives as long as `state`.
        let ok = unsafe {
            let s = decoder.state.as_ptr();
            sys::t4_rx_set_image_width(s, width_c);
            sys::t4_rx_set_rx_encoding(s, coding.code()) == 0
                && sys::t4_rx_set_row_write_handler(
                    s,
                    Some(write_row_trampoline),
                    sink.as_ptr().cast(),
                ) == 0
                && sys::t4_rx_start_page(s) == 0
        };
        if !ok {
            return Err(Error::Engine("t4_rx refused the decoder settings".into()));
        }
        Ok(decoder)
    }

    /// Feed code bytes (spandsp bit order). Returns true once the page has
    /// ended (RTC or EOFB seen, or `max_rows` reached); later bytes are ignored.
    pub(crate) fn put(&mut self, bytes: &[u8]) -> bool {
        if !self.done && !bytes.is_empty() {
            // SAFETY: `state` is live; spandsp reads `bytes.len()` bytes.
            let status =
                unsafe { sys::t4_rx_put(self.state.as_ptr(), bytes.as_ptr(), bytes.len()) };
            self.done = status == sys::t4_decoder_status_t_T4_DECODE_OK;
        }
        self.done
    }

    /// Feed single code bits, in stream order. Returns true once the page has ended.
    pub(crate) fn put_bits(&mut self, bits: &[u8]) -> bool {
        for &bit in bits {
            if self.done {
                break;
            }
            // SAFETY: `state` is live; a 0 or 1 is an ordinary data bit.
            let status = unsafe { sys::t4_rx_put_bit(self.state.as_ptr(), c_int::from(bit & 1)) };
            self.done = status == sys::t4_decoder_status_t_T4_DECODE_OK;
        }
        self.done
    }

    /// Flush the decoder and collect the rows and statistics.
    pub(crate) fn finish(self) -> DecodeResult {
        let mut stats = sys::t4_stats_t::default();
        // SAFETY: `state` is live. Ending the page flushes the last row to the
        // sink; the statistics are copied into a zeroed struct we own.
        unsafe {
            sys::t4_rx_end_page(self.state.as_ptr());
            sys::t4_rx_get_transfer_statistics(self.state.as_ptr(), &mut stats);
        }
        // SAFETY: the page has ended, so spandsp no longer calls the handler;
        // `&mut self` makes this the only reference to the sink.
        let sink = unsafe { &mut *self.sink.as_ptr() };
        DecodeResult {
            data: std::mem::take(&mut sink.data),
            rows: sink.rows as u32,
            bad_rows: u32::try_from(stats.bad_rows).unwrap_or(0),
            longest_bad_run: u32::try_from(stats.longest_bad_row_run).unwrap_or(0),
            overflow: sink.overflow,
        }
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: the state was allocated by `t4_rx_init` and is freed once
        // (with no file open this releases only the decoder buffers); after
        // that nothing refers to the leaked sink box.
        unsafe {
            sys::t4_rx_free(self.state.as_ptr());
            drop(Box::from_raw(self.sink.as_ptr()));
        }
    }
}
