//! `ums bench smtp`: messages per second the SMTP connector accepts with
//! its durability guarantee (stored and flushed before the 250), against
//! Postfix with its real queue on the same machine, both fed by Postfix's
//! own `smtp-source` in the same run.
//!
//! Run from the repository root (it uses `scripts/postfix/`), as root.

use std::path::{Path, PathBuf};
use std::process::Command;

use kernel::directory::{Directory, User};
use kernel::job::RetryPolicy;
use kernel::message::Service;
use kernel::notify::DeliveryMode;
use kernel::numbering::NumberingPlan;
use kernel::report::ReportConfig;

use crate::daemon::{start, GatewaySetup};

/// What to send.
#[derive(Debug, Clone)]
pub struct SmtpBench {
    pub messages: u32,
    pub size_kb: u32,
    pub sessions: u32,
    pub postfix_port: u16,
    pub gateway_port: u16,
    pub scripts: PathBuf,
}

#[derive(Debug, Clone, Copy)]
pub struct SmtpBenchResult {
    pub postfix_rate: f64,
    pub gateway_rate: f64,
    /// Seconds from the last 250 until the render pool had rendered every
    /// accepted mail (it renders after the 250, beside the accepting).
    pub render_drain_secs: f64,
    /// Faxes with their pages at the end (the rest failed to render).
    pub rendered: usize,
}

fn run_script(script: &Path, args: &[String], envs: &[(&str, &str)]) -> Result<String, String> {
    let out = Command::new("bash")
        .arg(script)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .map_err(|e| format!("{}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}{}",
            script.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn rate(output: &str, key: &str) -> Result<f64, String> {
    output
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no '{key}' in: {output}"))
}

/// Measure Postfix, then the gateway, with the same load.
pub fn run(b: &SmtpBench) -> Result<SmtpBenchResult, String> {
    let pf_dir = PathBuf::from("/tmp/ums-bench-postfix");
    let stop = b.scripts.join("stop.sh");
    let _ = run_script(&stop, &[pf_dir.display().to_string()], &[]);
    let _ = std::fs::remove_dir_all(&pf_dir);
    std::fs::create_dir_all(&pf_dir).map_err(|e| e.to_string())?;
    run_script(
        &b.scripts.join("start.sh"),
        &[
            pf_dir.display().to_string(),
            b.postfix_port.to_string(),
            (b.postfix_port + 1).to_string(),
        ],
        &[],
    )?;
    let postfix = run_script(
        &b.scripts.join("bench-postfix.sh"),
        &[
            pf_dir.display().to_string(),
            b.postfix_port.to_string(),
            b.messages.to_string(),
            b.size_kb.to_string(),
            b.sessions.to_string(),
        ],
        &[],
    );
    let _ = run_script(&stop, &[pf_dir.display().to_string()], &[]);
    let postfix_rate = rate(&postfix?, "postfix_rate")?;

    // The gateway, with a sender it knows and no line work to do: every
    // message is parsed, checked, its raw mail fsynced and its record
    // stored before its 250; the render pool typesets it afterwards.
    let data = std::env::temp_dir().join(format!("ums-bench-smtp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let setup = GatewaySetup {
        data_dir: data.clone(),
        smtp_listen: format!("127.0.0.1:{}", b.gateway_port)
            .parse()
            .map_err(|e| format!("{e}"))?,
        hostname: "ums.bench.test".into(),
        plan: NumberingPlan::germany("89", "1234"),
        directory: Directory {
            users: vec![User {
                id: "bench".into(),
                name: "bench".into(),
                email: "bench@example.test".into(),
                ..User::default()
            }],
            groups: Vec::new(),
            default_recipient: "postmaster@example.test".into(),
        },
        rules: Vec::new(),
        service_domains: vec![("fax.test".into(), Service::Fax)],
        allowed_networks: vec![smtp::policy::Network::parse("127.0.0.0/8").expect("network")],
        auth_users: Vec::new(),
        smart_host: None,
        mode: DeliveryMode::Mail,
        report: ReportConfig::new("ums.bench.test", "example.test"),
        lines: Vec::new(),
        virtual_fax_numbers: Vec::new(),
        retry: RetryPolicy::default(),
        ident: "BENCH".into(),
        tls: None,
        rate_limit: (u32::MAX, 1),
        metrics_listen: None,
        options: Default::default(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let running = rt.block_on(start(setup)).map_err(|e| e.to_string())?;
    let gateway = run_script(
        &b.scripts.join("smtp-source-rate.sh"),
        &[
            "127.0.0.1".into(),
            running.smtp_addr.port().to_string(),
            b.messages.to_string(),
            b.size_kb.to_string(),
            b.sessions.to_string(),
            "0049895551@fax.test".into(),
        ],
        &[("SENDER", "bench@example.test")],
    );
    let stored = running.store.len();
    // The render pool works after the 250s: wait until it is through.
    #[allow(clippy::disallowed_methods)] // driver shell: the bench's clock
    let since = std::time::Instant::now();
    while running.store.unrendered().is_ok_and(|u| !u.is_empty())
        && since.elapsed() < std::time::Duration::from_secs(3600)
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let render_drain_secs = since.elapsed().as_secs_f64();
    let rendered = running
        .store
        .all()
        .filter(|r| r.as_ref().is_ok_and(|r| r.message.document.is_some()))
        .count();
    running.stop();
    drop(rt);
    let _ = std::fs::remove_dir_all(&data);
    let gateway_rate = rate(&gateway?, "rate")?;
    if stored < b.messages as usize {
        return Err(format!(
            "only {stored} of {} messages were stored",
            b.messages
        ));
    }
    Ok(SmtpBenchResult {
        postfix_rate,
        gateway_rate,
        render_drain_secs,
        rendered,
    })
}
