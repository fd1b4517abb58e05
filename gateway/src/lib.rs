//! The `ums` gateway: wiring of the crates, the command line and the
//! benchmarks. The binary (`src/main.rs`) is a thin shell over this library,
//! so the whole-system tests (`tests/`) drive the same code.
#![forbid(unsafe_code)]

pub mod bench;
pub mod bench_capi;
pub mod bench_media;
pub mod bench_render;
pub mod bench_sip;
pub mod bench_sms;
pub mod bench_smtp;
pub mod bench_web;
pub mod client;
pub mod config;
pub mod control;
pub mod daemon;
pub mod deadletter;
pub mod document;
pub mod faxloop;
pub mod gsm_lines;
pub mod gsm_out;
pub mod journal;
pub mod log;
pub mod media_loop;
pub mod metrics;
pub mod modem_probe;
pub mod modem_probe_gsm;
pub mod ready;
pub mod render_cmd;
pub mod sd_notify;
pub mod serve;
pub mod simnet;
pub mod stdout;
pub mod web;
pub mod webhook;
