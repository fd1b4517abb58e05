//! `ums modem probe DEVICE`: open a fax modem, set it up as a line would,
//! and print what it says about itself and the quirks we would use. A GSM
//! modem (it answers `AT+CSQ`) gets its own probe (`modem_probe_gsm`).

use std::time::Duration;

use line_drivers::modem::serial::SerialSettings;
use line_drivers::modem::{ModemLineConfig, ModemLineState, ModemSpec};

/// Probe `device`; the text to print, or why it failed.
pub fn probe(device: &str, speed: u32, hardware_flow: bool) -> Result<String, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let spec = ModemSpec {
        line: ModemLineConfig {
            name: "probe".into(),
            number: "0".into(),
            rings: 1,
            quirks: None,
        },
        serial: SerialSettings {
            path: device.to_string(),
            speed,
            hardware_flow,
        },
        group: String::new(),
    };
    // A GSM modem answers +CSQ: its own probe.
    {
        let settings = spec.serial.clone();
        let port = line_drivers::modem::serial::SerialPort::open(rt.handle(), &settings)
            .map_err(|e| format!("{device}: {e}"))?;
        let mut chat = crate::modem_probe_gsm::Chat::new(Box::new(port));
        if crate::modem_probe_gsm::is_gsm(&mut chat) {
            return Ok(crate::modem_probe_gsm::probe(&mut chat, device));
        }
    }
    // The CLI reads the real clock (like the media ticker): 20 ms steps
    // for at most 10 s.
    let t0 = media_clock();
    let mut line = spec.open(rt.handle().clone(), t0);
    for k in 0..500u64 {
        let now = t0 + Duration::from_millis(20 * k);
        if let Some(d) = now.checked_duration_since(media_clock()) {
            std::thread::sleep(d);
        }
        line.tick(now);
        match line.state() {
            ModemLineState::InService => break,
            ModemLineState::OutOfService { reason } => return Err(format!("{device}: {reason}")),
            ModemLineState::Probing => {}
        }
    }
    if *line.state() != ModemLineState::InService {
        return Err(format!("{device}: no answer to the set-up in 10 s"));
    }
    let id = line.identity();
    let q = line.quirks();
    let rates = |r: &[u16]| r.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
    Ok(format!(
        "device:        {device}\n\
         manufacturer:  {}\nmodel:         {}\nrevision:      {}\n\
         classes:       {}\n\
         +FTM rates:    {}\n+FRM rates:    {}\n\
         quirks:        {}\n\
         \x20 turnaround_ms {}, tx_connect_delay_ms {}, fcerror_delay_ms {},\n\
         \x20 dle_not_doubled {}, no_receive_abort {}, reset AT{}, caller id {}\n",
        id.manufacturer,
        id.model,
        id.revision,
        id.classes,
        rates(&id.tx_rates),
        rates(&id.rx_rates),
        q.name,
        q.turnaround_ms,
        q.tx_connect_delay_ms,
        q.fcerror_delay_ms,
        q.dle_not_doubled,
        q.no_receive_abort,
        q.reset,
        q.caller_id.unwrap_or("none"),
    ))
}

#[allow(clippy::disallowed_methods)] // CLI shell: the real clock drives the probe
fn media_clock() -> std::time::Instant {
    std::time::Instant::now()
}
