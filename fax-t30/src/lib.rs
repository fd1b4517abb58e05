#![deny(unsafe_code)]
pub mod codec;
mod error;
pub mod g711;
pub mod media;
pub mod page;
pub mod pdf;
mod spandsp;
pub mod tiff;

pub use error::Error;
