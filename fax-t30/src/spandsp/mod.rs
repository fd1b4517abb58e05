//! The only module with `unsafe`: safe owners of spandsp's C state.
//! Every other module of the crate, and every other crate, forbids unsafe.
#![allow(unsafe_code)]

pub(crate) mod codec;
