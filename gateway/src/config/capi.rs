//! `[[capi]]`: what serde cannot check, and the line specs the media loop
//! opens (`line_drivers::capi::supervised`).

use line_drivers::capi::supervised::{CapiSpec, CapiTransportSpec};

use super::locate::path;
use super::{check_line_name, KeyPath, Loaded};

impl Loaded {
    /// Names unique, exactly one transport, B-channels 1 to 30, numbers
    /// that are numbers.
    pub(super) fn check_capis(&self) -> Result<(), (KeyPath, String)> {
        let capis = &self.config.capis;
        for (i, c) in capis.iter().enumerate() {
            let n = i.to_string();
            let at = |key: &str| path(&["capi", &n, key]);
            check_line_name("capi", &c.name, capis[..i].iter().map(|o| &o.name))
                .map_err(|e| (at("name"), e))?;
            match (c.transport.as_deref(), c.remote.as_deref()) {
                (Some("libcapi20"), None) => {}
                (Some("libcapi20"), Some(_)) => {
                    return Err((
                        at("remote"),
                        "remote is for our own client: drop it, or drop transport = \
                         \"libcapi20\" (libcapi20 has its own configuration)"
                            .into(),
                    ))
                }
                (Some(t), _) => {
                    return Err((
                        at("transport"),
                        format!("'{t}': the transport is \"libcapi20\" (or give remote)"),
                    ))
                }
                (None, None) => {
                    return Err((
                        at("name"),
                        "give remote = \"host:port\" (a remote-CAPI router) or transport = \
                         \"libcapi20\""
                            .into(),
                    ))
                }
                (None, Some(r)) => {
                    let port_ok = r.rsplit_once(':').is_some_and(|(h, p)| {
                        !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0)
                    });
                    if !port_ok {
                        return Err((at("remote"), format!("'{r}': write host:port")));
                    }
                }
            }
            if c.controller == 0 || c.controller > 127 {
                return Err((
                    at("controller"),
                    format!("{}: controllers are 1 to 127", c.controller),
                ));
            }
            if !(1..=30).contains(&c.b_channels) {
                return Err((
                    at("b_channels"),
                    format!("{}: use 1 to 30 B-channels", c.b_channels),
                ));
            }
            for (j, number) in c.numbers.iter().enumerate() {
                if line_drivers::line::check_number(number).is_err()
                    || !number.chars().all(|ch| ch.is_ascii_digit())
                {
                    return Err((
                        path(&["capi", &n, "numbers", &j.to_string()]),
                        format!("'{number}': an MSN or DDI is digits"),
                    ));
                }
            }
            if let Some(m) = &c.calling_number {
                if m.is_empty() || !m.chars().all(|ch| ch.is_ascii_digit()) {
                    return Err((at("calling_number"), format!("'{m}': digits")));
                }
            }
        }
        Ok(())
    }

    /// One spec per `[[capi]]`.
    pub fn capis(&self) -> Vec<CapiSpec> {
        (self.config.capis.iter())
            .map(|c| CapiSpec {
                name: c.name.clone(),
                transport: match &c.remote {
                    Some(r) => CapiTransportSpec::Remote(r.clone()),
                    None => CapiTransportSpec::Libcapi20,
                },
                controller: c.controller,
                b_channels: c.b_channels,
                msns: c.numbers.clone(),
                calling_msn: c.calling_number.clone(),
                group: c.group.clone(),
            })
            .collect()
    }
}
