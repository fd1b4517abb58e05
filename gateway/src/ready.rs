//! What `ums serve` prints once it is ready, when a person started it (not
//! systemd): the next commands to type, made from the configuration in
//! force, so that they work as printed.
//!
//! The fax goes out with `ums send` (the gateway's own tool: it hands the
//! gateway a mail through the same SMTP policy a mail client meets, as the
//! first user), so the hint needs nothing that `scripts/start.sh` does not
//! install. The number is one of the simulated network when there are
//! loopback lines, written the way the site's numbering plan reads it;
//! with real lines only, no number is known to work and the hint says
//! which one to put in.

use std::path::{Path, PathBuf};

use kernel::numbering::NumberingPlan;

/// The parts of the configuration the hint depends on.
#[derive(Debug, Clone)]
pub struct ReadyHint {
    /// How to call this binary from the current directory
    /// (`./target/release/ums` in a checkout, else `ums`).
    pub ums: String,
    /// `--data DIR` for the client commands, or empty when they find the
    /// data directory without it.
    pub data_flag: String,
    pub data: PathBuf,
    /// The configuration file; `None`: the embedded default.
    pub config: Option<PathBuf>,
    /// Where mail clients send to.
    pub smtp: std::net::SocketAddr,
    /// The first user: `ums send` sends as them.
    pub sender: Option<String>,
    /// The fax service domain: `ums send --to N` means `N@<it>`.
    pub fax_domain: Option<String>,
    /// Loopback lines, wired to the simulated phone network.
    pub simulated_network: bool,
    pub plan: NumberingPlan,
}

impl ReadyHint {
    /// The hint for `setup`, run from `config` (`None`: the embedded
    /// default) on `data`.
    pub fn new(setup: &crate::daemon::GatewaySetup, config: Option<&Path>) -> ReadyHint {
        let data = setup.data_dir.clone();
        ReadyHint {
            ums: this_binary(),
            data_flag: if data == crate::client::serve_data_dir(None) {
                String::new()
            } else {
                format!(" --data {}", data.display())
            },
            data,
            config: config.map(Path::to_path_buf),
            smtp: setup.smtp_listen,
            sender: setup.directory.users.first().map(|u| u.email.clone()),
            fax_domain: setup
                .service_domains
                .iter()
                .find(|(_, s)| *s == kernel::message::Service::Fax)
                .map(|(d, _)| d.clone()),
            simulated_network: !setup.lines.is_empty(),
            plan: setup.plan.clone(),
        }
    }

    /// The text, with the SMTP address the gateway really listens on.
    pub fn text(&self) -> String {
        let ums = &self.ums;
        let data = &self.data_flag;
        let file = self
            .config
            .as_ref()
            .map_or("the configuration".to_string(), |f| f.display().to_string());
        let Some(sender) = &self.sender else {
            return format!(
                "\nThe gateway is ready, but nobody may send faxes yet: {file} has no [[user]].\n\
                 Add one (id and email), reload (SIGHUP, or `systemctl reload ums`), then send with\n\n    \
                 {ums} send{data} --to NUMBER --text 'Hello by fax'\n"
            );
        };
        let Some(domain) = &self.fax_domain else {
            return format!(
                "\nThe gateway is ready, but it takes no faxes by mail: {file} sets no [smtp] fax_domains.\n"
            );
        };
        let journal = format!("{ums} journal{data}");
        match self.demo_number().filter(|_| self.simulated_network) {
            Some((written, dialled)) => format!(
                "\nThe gateway is ready. In a second terminal, send a fax (a mail from {sender} to {written}@{domain}):\n\n    \
                 {ums} send{data} --to {written} --text 'Hello by fax'\n\n\
                 then look at the journal (in a few seconds the fax is sent):\n\n    \
                 {journal}\n\n\
                 The virtual fax machine keeps what it got in {}/virtual-network/{dialled}/.\n\
                 Mail clients send the same way: SMTP to {}, from {sender}, to {written}@{domain}.\n",
                self.data.display(),
                self.smtp,
            ),
            None => format!(
                "\nThe gateway is ready. In a second terminal, send a fax (a mail from {sender}) to a fax\n\
                 machine your lines reach, NUMBER written as you would dial it:\n\n    \
                 {ums} send{data} --to NUMBER --text 'Hello by fax'\n\n\
                 then follow it in the journal:\n\n    \
                 {journal}\n\n\
                 Mail clients send the same way: SMTP to {}, from {sender}, to NUMBER@{domain}.\n",
                self.smtp,
            ),
        }
    }

    /// A fax number of the simulated network in the site's own area, as a
    /// user writes it (national form, or international where the plan
    /// wants E.164), and what the line dials for it (the virtual fax
    /// machine's directory).
    fn demo_number(&self) -> Option<(String, String)> {
        let plan = &self.plan;
        let local = format!("555{}", "1".repeat(plan.subscriber.len().max(4) - 3));
        let national = if plan.keeps_trunk_prefix {
            format!("{}{local}", plan.area_code)
        } else {
            format!("{}{}{local}", plan.national_prefix, plan.area_code)
        };
        let international = format!("+{}{}{local}", plan.country_code, plan.area_code);
        [national, international].into_iter().find_map(|written| {
            let n = plan.parse(&written).ok().filter(|n| !n.is_internal())?;
            let dialled = plan.dial_string(&n);
            Some((written, dialled))
        })
    }
}

/// This binary as the user can type it here: relative to the current
/// directory when it is below it, `ums` when that is it on the PATH (the
/// package), else its full path.
fn this_binary() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "ums".into();
    };
    let below_cwd = std::env::current_dir().ok().and_then(|cwd| {
        exe.strip_prefix(cwd)
            .ok()
            .map(|p| format!("./{}", p.display()))
    });
    if let Some(relative) = below_cwd {
        return relative;
    }
    let same = |p: &Path| p.canonicalize().ok() == exe.canonicalize().ok();
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| same(&dir.join("ums"))));
    if on_path {
        "ums".into()
    } else {
        exe.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(plan: NumberingPlan) -> ReadyHint {
        ReadyHint {
            ums: "./target/release/ums".into(),
            data_flag: String::new(),
            data: PathBuf::from("/data"),
            config: None,
            smtp: "127.0.0.1:2525".parse().unwrap(),
            sender: Some("fax@localhost".into()),
            fax_domain: Some("fax.localhost".into()),
            simulated_network: true,
            plan,
        }
    }

    /// The commands the hint shows (the indented lines).
    fn commands(text: &str) -> Vec<&str> {
        text.lines()
            .filter(|l| l.starts_with("    "))
            .map(str::trim)
            .collect()
    }

    #[test]
    fn the_embedded_default_sends_to_0895551_with_ums_send() {
        let t = hint(NumberingPlan::germany("89", "1234")).text();
        assert_eq!(
            commands(&t),
            [
                "./target/release/ums send --to 0895551 --text 'Hello by fax'",
                "./target/release/ums journal"
            ],
            "{t}"
        );
        assert!(t.contains("/data/virtual-network/0895551/"), "{t}");
        assert!(!t.contains("swaks"), "start.sh installs no swaks: {t}");
    }

    /// The README's quick start shows what the embedded default's hint
    /// prints, and nothing `start.sh` does not install.
    #[test]
    fn the_readme_quick_start_types_what_the_hint_prints() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        let quick_start = readme
            .split("## Quick start")
            .nth(1)
            .and_then(|s| s.split("```sh\n").nth(2))
            .and_then(|s| s.split("```").next())
            .expect("the second sh block of the quick start");
        let shown: Vec<&str> = quick_start.lines().collect();
        let t = hint(NumberingPlan::germany("89", "1234")).text();
        assert_eq!(shown, commands(&t), "{quick_start}");
    }

    /// Issue 12: a configuration without fax@localhost and without
    /// loopback lines got the embedded default's hint.
    #[test]
    fn the_hint_follows_the_configuration_in_force() {
        // Another site: its first user, its domain, its numbering.
        let mut h = hint(NumberingPlan::nanp("212", "5550100"));
        h.sender = Some("anna@example.com".into());
        h.fax_domain = Some("fax.example.com".into());
        h.config = Some("/etc/ums/ums.toml".into());
        let t = h.text();
        assert!(
            !t.contains("fax@localhost") && !t.contains("0895551"),
            "{t}"
        );
        let written = &commands(&t)[0];
        let number = written
            .split_whitespace()
            .skip_while(|w| *w != "--to")
            .nth(1)
            .unwrap();
        let n = h.plan.parse(number).expect("the plan reads the number");
        assert_eq!(n.as_str(), "+12125551111");
        let dialled = h.plan.dial_string(&n);
        assert!(t.contains(&format!("virtual-network/{dialled}/")), "{t}");
        assert!(t.contains("from anna@example.com, to"), "{t}");
        // E.164 only: the number is written as one.
        h.plan = NumberingPlan::germany("89", "1234").with_e164_only(true);
        assert!(h.text().contains("send --to +49895551 "), "{}", h.text());

        // Real lines only: no simulated fax machine to name.
        h.simulated_network = false;
        let t = h.text();
        assert!(!t.contains("virtual-network"), "{t}");
        assert!(t.contains("send --to NUMBER --text"), "{t}");
        // Nobody may send: say so instead of a command that is refused.
        h.sender = None;
        let t = h.text();
        assert!(t.contains("/etc/ums/ums.toml has no [[user]]"), "{t}");
    }
}
