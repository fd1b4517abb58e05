//! The configuration file as written: one struct per section, every field
//! with a default that is safe on the internet, unknown keys refused
//! (`deny_unknown_fields` everywhere, so a typo is an error and not a
//! silently ignored setting). `config/ums.toml` documents every key.

use std::net::SocketAddr;
use std::path::PathBuf;

use kernel::numbering::Pattern;
use kernel::report::Language;
use serde::Deserialize;
use smtp::policy::Network;

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub numbering: NumberingConf,
    pub dial_policy: DialPolicyConf,
    pub directory: DirectoryConf,
    #[serde(rename = "group")]
    pub groups: Vec<GroupConf>,
    #[serde(rename = "user")]
    pub users: Vec<UserConf>,
    #[serde(rename = "route")]
    pub routes: Vec<RouteConf>,
    pub lines: LinesConf,
    pub simulated_network: SimulatedNetworkConf,
    /// SIP trunks (issue 7): each a SIP line of the gateway.
    #[serde(rename = "trunk")]
    pub trunks: Vec<TrunkConf>,
    /// Analog fax modems on serial ports (issue 13): each a line.
    #[serde(rename = "modem")]
    pub modems: Vec<ModemConf>,
    /// GSM modems for SMS (issue 15): each a line; incoming SMS for now.
    #[serde(rename = "gsm")]
    pub gsm: Vec<GsmConf>,
    /// Mail to SMS (`[sms]`): the text rule's choices, status reports.
    pub sms: SmsConf,
    /// ISDN controllers through CAPI 2.0 (issue 16): each B-channel used
    /// a line.
    #[serde(rename = "capi")]
    pub capis: Vec<CapiConf>,
    pub smtp: SmtpConf,
    pub delivery: DeliveryConf,
    pub retry: RetryConf,
    pub reports: ReportsConf,
    pub metrics: MetricsConf,
    /// Off unless the section is there (the embedded default has it).
    pub web: Option<WebConf>,
    pub daemon: DaemonConf,
    pub render: RenderConf,
    pub voice: VoiceConf,
}

/// Where the site is in the world's numbering (see
/// [`kernel::numbering::NumberingPlan`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NumberingConf {
    pub country_code: Digits,
    pub area_code: Digits,
    pub subscriber: Digits,
    pub national_prefix: Digits,
    pub international_prefix: Digits,
    pub outside_line_prefix: Digits,
    pub internal_length: Option<DigitRangeConf>,
    pub e164_only: bool,
    pub keeps_trunk_prefix: bool,
    pub nsn_length: Option<u8>,
}

impl Default for NumberingConf {
    fn default() -> Self {
        NumberingConf {
            country_code: Digits("49".into()),
            area_code: Digits("89".into()),
            subscriber: Digits("1234".into()),
            national_prefix: Digits("0".into()),
            international_prefix: Digits("00".into()),
            outside_line_prefix: Digits::default(),
            internal_length: None,
            e164_only: false,
            keeps_trunk_prefix: false,
            nsn_length: None,
        }
    }
}

/// `3`, or `{ min = 2, max = 4 }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum DigitRangeConf {
    Exactly(u8),
    Range(DigitRangeBounds),
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigitRangeBounds {
    pub min: u8,
    pub max: u8,
}

/// A string of digits only (a prefix or part of a number).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Digits(pub String);

impl TryFrom<String> for Digits {
    type Error = String;
    fn try_from(s: String) -> Result<Digits, String> {
        if s.len() > 15 {
            return Err(format!("'{s}' is too long (at most 15 digits)"));
        }
        match s.chars().find(|c| !c.is_ascii_digit()) {
            Some(c) => Err(format!("'{s}': only digits are allowed here, found '{c}'")),
            None => Ok(Digits(s)),
        }
    }
}

/// Toll-fraud protection beyond the users' permissions.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DialPolicyConf {
    pub allow: Vec<Pattern>,
    pub deny: Vec<Pattern>,
    /// Messages one sender may submit per window.
    pub messages_per_sender: u32,
    pub window_secs: u64,
}

impl Default for DialPolicyConf {
    fn default() -> Self {
        DialPolicyConf {
            allow: Vec::new(),
            deny: Vec::new(),
            messages_per_sender: 60,
            window_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectoryConf {
    /// Gets unrouted incoming messages and operator notices; empty:
    /// `postmaster@<smtp.hostname>`.
    pub default_recipient: String,
}

/// What a user or group may do; the default: fax, voice and SMS to
/// national, non-premium numbers.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PermissionsConf {
    pub fax: bool,
    pub sms: bool,
    pub voice: bool,
    pub international: bool,
    pub premium: bool,
}

impl Default for PermissionsConf {
    fn default() -> Self {
        let p = kernel::numbering::Permissions::default();
        PermissionsConf {
            fax: p.fax,
            sms: p.sms,
            voice: p.voice,
            international: p.international,
            premium: p.premium,
        }
    }
}

impl From<PermissionsConf> for kernel::numbering::Permissions {
    fn from(p: PermissionsConf) -> Self {
        kernel::numbering::Permissions {
            international: p.international,
            premium: p.premium,
            fax: p.fax,
            sms: p.sms,
            voice: p.voice,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConf {
    pub name: String,
    #[serde(default)]
    pub permissions: PermissionsConf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConf {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub fax_numbers: Vec<String>,
    #[serde(default)]
    pub voice_numbers: Vec<String>,
    #[serde(default)]
    pub sms_numbers: Vec<String>,
    #[serde(default)]
    pub permissions: PermissionsConf,
    /// Caller id of the user's outgoing calls.
    pub sender_number: Option<String>,
    /// Header line on the user's fax pages.
    pub fax_header: Option<String>,
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub groups: Vec<String>,
    /// In the web journal: `user`, `operator` or `admin`.
    #[serde(default)]
    pub role: RoleConf,
    /// A URL that gets each status change of the user's messages (JSON,
    /// signed with `webhook_secret`, else `[web] webhook_secret`).
    pub webhook: Option<String>,
    pub webhook_secret: Option<String>,
    /// The zone the web journal shows the user's times in (an IANA name
    /// of the system's tz database, e.g. `Europe/Berlin`); UTC if unset.
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceConf {
    Fax,
    Voice,
    Sms,
}

impl From<ServiceConf> for kernel::message::Service {
    fn from(s: ServiceConf) -> Self {
        match s {
            ServiceConf::Fax => kernel::message::Service::Fax,
            ServiceConf::Voice => kernel::message::Service::Voice,
            ServiceConf::Sms => kernel::message::Service::Sms,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConf {
    pub pattern: Pattern,
    pub service: Option<ServiceConf>,
    pub mailbox: String,
    /// How calls to these numbers are answered: `fax`, `voice` or
    /// `auto-detect` (voicemail that switches to fax on a calling tone).
    /// Unset: from the services the number has (see the routing docs).
    pub answer: Option<kernel::routing::AnswerMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineDriver {
    /// Lines on the built-in virtual exchange, wired to the simulated
    /// phone network.
    Loopback,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinesConf {
    pub driver: LineDriver,
    /// The lines' own numbers on the exchange.
    pub numbers: Vec<String>,
    /// Our fax ident (TSI/CSI).
    pub ident: String,
    /// Header line on sent pages; empty: the ident.
    pub header: String,
}

impl Default for LinesConf {
    fn default() -> Self {
        LinesConf {
            driver: LineDriver::Loopback,
            numbers: (100..104).map(|n| n.to_string()).collect(),
            ident: "+49 89 1234".into(),
            header: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatedNetworkConf {
    /// Numbers (as the lines dial them) with a virtual fax machine from
    /// the start; every other number gets one when first dialled, but the
    /// special numbers of [`crate::simnet`].
    pub fax_numbers: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConf {
    pub listen: SocketAddr,
    pub hostname: String,
    pub fax_domains: Vec<String>,
    pub sms_domains: Vec<String>,
    pub voice_domains: Vec<String>,
    /// Clients that may send without AUTH.
    pub allowed_networks: Vec<NetworkConf>,
    pub tls: TlsConf,
    #[serde(rename = "auth_user")]
    pub auth_users: Vec<AuthUserConf>,
    pub smart_host: Option<SmartHostConf>,
    pub max_message_size: usize,
    pub max_recipients: usize,
    pub max_connections_per_client: usize,
}

impl Default for SmtpConf {
    fn default() -> Self {
        SmtpConf {
            listen: SocketAddr::from(([127, 0, 0, 1], 2525)),
            hostname: "localhost".into(),
            fax_domains: vec!["fax.localhost".into()],
            sms_domains: vec!["sms.localhost".into()],
            voice_domains: Vec::new(),
            allowed_networks: vec![
                NetworkConf(Network::parse("127.0.0.0/8").expect("valid")),
                NetworkConf(Network::parse("::1/128").expect("valid")),
            ],
            tls: TlsConf::default(),
            auth_users: Vec::new(),
            smart_host: None,
            max_message_size: 32 * 1024 * 1024,
            max_recipients: 100,
            max_connections_per_client: 20,
        }
    }
}

/// `10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct NetworkConf(pub Network);

impl TryFrom<String> for NetworkConf {
    type Error = String;
    fn try_from(s: String) -> Result<NetworkConf, String> {
        Network::parse(&s).map(NetworkConf).ok_or_else(|| {
            format!(
                "'{s}' is not a network: write an address or address/prefix \
                 (10.0.0.0/8, 192.0.2.7, 2001:db8::/32)"
            )
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConf {
    /// PEM certificate chain; without it and `key`, a self-signed pair is
    /// made in the data directory on first start.
    pub certificate: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthUserConf {
    pub name: String,
    pub password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmartHostTls {
    /// STARTTLS or fail (the default).
    #[default]
    Required,
    /// STARTTLS when offered.
    Opportunistic,
    /// Plain SMTP: only for a mail server on this host.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartHostConf {
    pub host: String,
    #[serde(default = "default_submission_port")]
    pub port: u16,
    #[serde(default)]
    pub tls: SmartHostTls,
    pub user: Option<String>,
    pub password: Option<String>,
}

fn default_submission_port() -> u16 {
    587
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryModeConf {
    /// Reports and incoming messages stay in the store (`ums journal`).
    LocalStore,
    /// Mailed: through the smart host, or straight to the MX hosts.
    Mail,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConf {
    /// Default: `mail` with a smart host, `local-store` without.
    pub mode: Option<DeliveryModeConf>,
    /// Default: `dead-letter` in the data directory.
    pub dead_letter_dir: Option<PathBuf>,
    pub backoff_secs: Vec<u64>,
    pub max_attempts: u32,
    pub timeout_secs: u64,
}

impl Default for DeliveryConf {
    fn default() -> Self {
        DeliveryConf {
            mode: None,
            dead_letter_dir: None,
            backoff_secs: vec![30, 120, 600],
            max_attempts: 10,
            timeout_secs: 30,
        }
    }
}

/// Fax call retries.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConf {
    pub retries: u32,
    pub intervals_secs: Vec<u64>,
}

impl Default for RetryConf {
    fn default() -> Self {
        let r = kernel::job::RetryPolicy::default();
        RetryConf {
            retries: r.retries,
            intervals_secs: r.intervals_secs,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportsConf {
    /// Language of reports to people not in the directory.
    pub language: Language,
    /// Reserved: own report templates are not supported yet.
    pub templates_dir: Option<PathBuf>,
    pub gateway_name: String,
    /// `From` of confirmations and notices; empty: `postmaster@<hostname>`.
    pub notice_sender: String,
    /// `From` of incoming messages; empty: `fax-gateway@<hostname>`.
    pub incoming_sender: String,
}

impl Default for ReportsConf {
    fn default() -> Self {
        ReportsConf {
            language: Language::En,
            templates_dir: None,
            gateway_name: "UMS Gateway".into(),
            notice_sender: String::new(),
            incoming_sender: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConf {
    /// Prometheus endpoint; off unless set.
    pub listen: Option<SocketAddr>,
}

/// The web journal and REST API (issue 14).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConf {
    pub listen: SocketAddr,
    /// How long a login lasts.
    pub session_hours: u64,
    /// The largest upload (`send` with files), in MiB.
    pub upload_limit_mb: usize,
    /// TLS with the SMTP connector's certificate: `auto` (on beyond
    /// loopback), `on`, or `off` (only on loopback: a login must not cross
    /// a network in clear text).
    pub tls: WebTlsConf,
    /// A URL that gets each status change of every message (JSON, signed
    /// with HMAC-SHA256 and `webhook_secret`).
    pub webhook: Option<String>,
    /// The key of the webhook signatures (`X-Ums-Signature`); needed when
    /// any webhook is set.
    pub webhook_secret: Option<String>,
    /// Posts per status change and URL before it is given up (logged).
    pub webhook_attempts: u32,
    /// The wait after the first failed post; it doubles up to an hour.
    pub webhook_backoff_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebTlsConf {
    Auto,
    On,
    Off,
}

impl Default for WebConf {
    fn default() -> Self {
        WebConf {
            listen: SocketAddr::from(([127, 0, 0, 1], 8025)),
            session_hours: 12,
            upload_limit_mb: 32,
            tls: WebTlsConf::Auto,
            webhook: None,
            webhook_secret: None,
            webhook_attempts: 10,
            webhook_backoff_secs: 10,
        }
    }
}

/// What a user may do in the web journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleConf {
    /// Their own messages.
    #[default]
    User,
    /// Every message, the lines, the queue, dead letters.
    Operator,
    /// And users' tokens and the audit log.
    Admin,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConf {
    /// On SIGTERM, how long calls in progress may take to finish.
    pub stop_timeout_secs: u64,
}

impl Default for DaemonConf {
    fn default() -> Self {
        DaemonConf {
            stop_timeout_secs: 120,
        }
    }
}

/// How mail becomes fax pages (issue 5).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenderConf {
    pub paper: PaperConf,
    pub resolution: ResolutionConf,
    pub cover: CoverConf,
    /// Size of body and text-file text, in points.
    pub text_size_pt: f32,
}

impl Default for RenderConf {
    fn default() -> Self {
        RenderConf {
            paper: PaperConf::A4,
            resolution: ResolutionConf::Fine,
            cover: CoverConf::WhenText,
            text_size_pt: 10.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaperConf {
    A4,
    Letter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResolutionConf {
    /// 204 x 98 dpi.
    Standard,
    /// 204 x 196 dpi.
    Fine,
}

/// When a mail gets a cover page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverConf {
    /// Only when the body has text (the text is printed on it).
    WhenText,
    Always,
    /// Only when the mail has no attachment.
    NoAttachment,
    Never,
}

impl RenderConf {
    /// The renderer's options for these settings (the rest default).
    pub fn options(&self, language: Language) -> kernel::render::RenderOptions {
        use fax_t30::page::{PaperSize, Resolution};
        use kernel::render::{CoverMode, PageSetup};
        let paper = match self.paper {
            PaperConf::A4 => PaperSize::A4,
            PaperConf::Letter => PaperSize::Letter,
        };
        let resolution = match self.resolution {
            ResolutionConf::Standard => Resolution::Standard,
            ResolutionConf::Fine => Resolution::Fine,
        };
        kernel::render::RenderOptions {
            setup: PageSetup::new(paper, resolution),
            text_size_pt: self.text_size_pt,
            cover: match self.cover {
                CoverConf::WhenText => CoverMode::WhenBodyHasText,
                CoverConf::Always => CoverMode::Always,
                CoverConf::NoAttachment => CoverMode::WhenNoAttachment,
                CoverConf::Never => CoverMode::Never,
            },
            language,
            ..kernel::render::RenderOptions::default()
        }
    }
}

/// Voicemail: numbers routed to voice (`answer = "voice"` or
/// `"auto-detect"`) on lines that carry audio.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceConf {
    /// Greeting WAV for mailboxes without their own; unset: a built-in
    /// chime. Relative paths are relative to the configuration file.
    pub default_greeting: Option<PathBuf>,
    /// Greeting WAV per mailbox: directory user id or e-mail address.
    pub greetings: std::collections::BTreeMap<String, PathBuf>,
    /// Longest recording.
    pub max_length_secs: u64,
    /// The recording ends after this much silence.
    pub silence_timeout_secs: u64,
    /// Recordings shorter than this are dropped.
    pub min_length_ms: u64,
    /// Recordings with less speech than this are dropped (silent calls).
    pub min_speech_ms: u64,
}

impl Default for VoiceConf {
    fn default() -> Self {
        let e = kernel::voice::VoicemailConfig::default();
        VoiceConf {
            default_greeting: None,
            greetings: Default::default(),
            max_length_secs: e.max_length.as_secs(),
            silence_timeout_secs: e.silence_timeout.as_secs(),
            min_length_ms: e.min_duration.as_millis() as u64,
            min_speech_ms: e.min_active.as_millis() as u64,
        }
    }
}

/// One SIP trunk (`[[trunk]]`): a provider we register to, or a PBX (or
/// another gateway) by address. One signalling address carries `channels`
/// calls at once (each channel is one line for the scheduler).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkConf {
    /// Name in logs, the journal's line and the T.38 memory.
    pub name: String,
    /// Registrar `host[:port]`: register there (with `user`, `password`).
    #[serde(default)]
    pub registrar: Option<String>,
    /// Static peer `host[:port]`: calls go straight there, no registration.
    #[serde(default)]
    pub peer: Option<String>,
    /// Proxy / domain `host[:port]` of calls, if not the registrar.
    #[serde(default)]
    pub proxy: Option<String>,
    /// Outbound proxy `host[:port]`: the next hop of every request.
    #[serde(default)]
    pub outbound_proxy: Option<String>,
    /// The account (From of our calls: the caller id).
    pub user: String,
    /// Digest user name, if not `user`.
    #[serde(default)]
    pub auth_user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Answer digest challenges of this realm only.
    #[serde(default)]
    pub realm: Option<String>,
    /// Registration expiry to ask for, seconds.
    #[serde(default = "default_trunk_expiry")]
    pub expiry_secs: u32,
    /// Our SIP address (`ip:port`).
    pub listen: SocketAddr,
    /// SIP over `udp` (the default), `tcp` or `tls`; media is RTP/UDPTL
    /// (SRTP with `srtp`).
    #[serde(default)]
    pub transport: SipTransportConf,
    /// OPTIONS keep-alive every this many seconds (0: off); a trunk that
    /// misses three answers in a row takes no new calls until it answers.
    #[serde(default = "default_keepalive")]
    pub keepalive_secs: u64,
    /// A trunk that failed a call as a trunk (timeout, 408, 5xx, refused
    /// authentication) takes no new calls for this long: the next trunk in
    /// the file does (failover in order).
    #[serde(default = "default_hold_down")]
    pub hold_down_secs: u64,
    /// Calls at once over the trunk's one signalling address (1 to 64).
    #[serde(default = "default_channels")]
    pub channels: usize,
    /// RTP and UDPTL ports of the trunk's calls (`[first, last]`; channel
    /// `i` (from 0) takes `first + 4 i` for RTP and `first + 4 i + 2` for
    /// UDPTL, so the range holds at least `4 * channels` ports).
    #[serde(default = "default_rtp_ports")]
    pub rtp_ports: [u16; 2],
    /// Where the called number of an incoming call is read.
    #[serde(default)]
    pub called_number: CalledNumberConf,
    /// Offer and accept T.38 at all.
    #[serde(default = "yes")]
    pub t38: bool,
    /// Ask for T.38 (re-INVITE) on calls we answer, when the caller's fax
    /// tone is heard; off: stay on G.711 unless the peer asks.
    #[serde(default = "yes")]
    pub t38_preferred: bool,
    /// SRTP (SDES keys) for the trunk's audio: `off`, `optional` or
    /// `mandatory` (no call without it). T.38 stays unencrypted UDPTL.
    #[serde(default)]
    pub srtp: SrtpConf,
    /// CRLF keep-alive (RFC 5626) on the connection to the trunk every
    /// this many seconds (`tcp`/`tls`; 0: off). Unset: 120 s over TLS,
    /// off over TCP. A connection that misses its pong for 10 s is closed
    /// and opened again (registering over the new one).
    #[serde(default)]
    pub crlf_keepalive_secs: Option<u64>,
    /// `transport = "tls"`: PEM CA certificates trusted besides the
    /// system's trust store (a provider's own CA).
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// The name the provider's certificate must carry (default: the host
    /// of the next hop).
    #[serde(default)]
    pub tls_server_name: Option<String>,
    /// Our certificate and key (PEM) for TLS connections the provider
    /// opens to us, and shown to a provider that asks for a client
    /// certificate; without them we only connect out (calls come back
    /// over our connection, RFC 5923).
    #[serde(default)]
    pub tls_certificate: Option<PathBuf>,
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// NAT: our public address (a static NAT, the RTP ports forwarded to
    /// us) for Contact, From and SDP (c=, o=).
    #[serde(default)]
    pub public_address: Option<std::net::IpAddr>,
    /// NAT: learn our public address and port from the `received`/`rport`
    /// of the registrar's answers (RFC 3581) for Contact, and register
    /// again when it changes (UDP; over TCP/TLS the port is the
    /// connection's).
    #[serde(default = "yes")]
    pub learn_public_address: bool,
    /// NAT: send media (RTP, UDPTL) where the peer's comes from, latched
    /// to the first source (symmetric RTP).
    #[serde(default)]
    pub symmetric_rtp: bool,
    /// NAT: a CRLF datagram to the trunk every this many seconds over UDP,
    /// to hold the binding incoming calls come through (0: off).
    #[serde(default)]
    pub nat_keepalive_secs: u64,
    /// NAT: a media keep-alive after this many seconds without media sent
    /// (hold, silent T.38 phases; 0: off).
    #[serde(default)]
    pub media_keepalive_secs: u64,
}

/// One Class 1 fax modem (`[[modem]]`): a serial device, one line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModemConf {
    /// Name in logs and the journal's line (`modem/<name>`).
    pub name: String,
    /// The device, e.g. `/dev/ums/fax-0` (our udev rules make the link).
    pub device: PathBuf,
    /// DTE speed, bit/s.
    #[serde(default = "default_modem_speed")]
    pub speed: u32,
    /// `rts-cts` (hardware) or `none` (XON/XOFF in band, as on a pty).
    #[serde(default)]
    pub flow_control: FlowControlConf,
    /// RINGs before we answer (1 to 20).
    #[serde(default = "default_rings")]
    pub rings: u32,
    /// The number this line answers for: incoming faxes are routed by it
    /// (an analog line has no DID).
    pub number: String,
    /// Line group: outgoing faxes take a free modem of a group.
    #[serde(default = "default_modem_group")]
    pub group: String,
    /// Knobs that replace the quirk table's entry for this modem.
    #[serde(default)]
    pub quirks: Option<QuirksConf>,
}

/// One GSM modem (`[[gsm]]`): a serial device, its SIM.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GsmConf {
    /// Name in logs and the journal's line (`gsm/<name>`).
    pub name: String,
    /// The device, e.g. `/dev/ums/gsm-0`.
    pub device: PathBuf,
    /// DTE speed, bit/s.
    #[serde(default = "default_modem_speed")]
    pub speed: u32,
    /// `rts-cts` (hardware) or `none`.
    #[serde(default)]
    pub flow_control: FlowControlConf,
    /// The SIM's number: incoming SMS are routed by it (`sms_numbers`).
    pub number: String,
    /// The SIM's PIN, tried once if the SIM asks (a wrong one is not
    /// tried again: the line stays out of service).
    #[serde(default)]
    pub pin: Option<String>,
    /// The most SMS one text may take.
    #[serde(default = "default_gsm_max_parts")]
    pub max_parts: usize,
    /// Ask the network for status reports.
    #[serde(default = "yes")]
    pub status_reports: bool,
    /// Direct delivery: SMS come straight to the line (`+CMT`) and are
    /// acknowledged (`+CNMA`) once stored, instead of store-then-read.
    #[serde(default)]
    pub direct_delivery: bool,
    /// Seconds between sweeps of the SIM (`+CMGL=4`, and `+CSQ`): what
    /// an indication missed is found then, and a modem that went silent.
    #[serde(default = "default_gsm_sweep_secs")]
    pub sweep_secs: u64,
}

fn default_gsm_sweep_secs() -> u64 {
    300
}

fn default_gsm_max_parts() -> usize {
    5
}

/// Mail to SMS (`[sms]`, see `kernel::sms_text`). The most parts a mail
/// may become is the smallest `max_parts` of the `[[gsm]]` lines.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConf {
    /// Put the mail's subject first in the SMS, on a line of its own.
    pub include_subject: bool,
    /// How long a sent SMS waits for the network's status reports before
    /// the sender is told it is sent and its delivery pending.
    pub report_wait_secs: u64,
}

impl Default for SmsConf {
    fn default() -> Self {
        SmsConf {
            include_subject: false,
            report_wait_secs: 600,
        }
    }
}

/// One ISDN controller through CAPI 2.0 (`[[capi]]`): a card or a
/// remote-CAPI router; one CAPI application (one connection) for the
/// section, one line per B-channel used.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapiConf {
    /// Name in logs and the journal's lines (`capi/<name>/<1..>`).
    pub name: String,
    /// `libcapi20`: Debian's libcapi20 (its `/etc/capi20.conf` picks a
    /// card or router). Without it, `remote` is needed.
    #[serde(default)]
    pub transport: Option<String>,
    /// `host:port` of a remote-CAPI router (bintec, AVM; port 2662),
    /// reached by our own client.
    #[serde(default)]
    pub remote: Option<String>,
    /// Controller number (1 for the first).
    #[serde(default = "default_capi_controller")]
    pub controller: u32,
    /// B-channels used (one line each): 2 on a BRI, up to 30 on a PRI.
    #[serde(default = "default_capi_b_channels")]
    pub b_channels: u16,
    /// Called numbers answered (MSNs or DDIs), each routed like any
    /// called number; empty: every call the controller offers.
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Our number on outgoing calls (the site's MSN); none: the network's
    /// default.
    #[serde(default)]
    pub calling_number: Option<String>,
    /// Line group: outgoing faxes take a free line of a group.
    #[serde(default = "default_capi_group")]
    pub group: String,
}

fn default_capi_controller() -> u32 {
    1
}

fn default_capi_b_channels() -> u16 {
    2
}

fn default_capi_group() -> String {
    "capi".into()
}

/// Flow control on a modem's serial line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowControlConf {
    #[default]
    RtsCts,
    None,
}

/// A modem's quirks, set by hand (line-drivers/README.md explains each).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuirksConf {
    pub turnaround_ms: Option<u16>,
    pub tx_connect_delay_ms: Option<u16>,
    pub dle_not_doubled: Option<bool>,
    pub fcerror_delay_ms: Option<u16>,
    pub no_receive_abort: Option<bool>,
    /// `Z` or `&F`.
    pub reset: Option<String>,
    /// `+VCID=1`, `#CID=1`, or "" for none.
    pub caller_id: Option<String>,
}

fn default_modem_speed() -> u32 {
    115_200
}

fn default_rings() -> u32 {
    2
}

fn default_modem_group() -> String {
    "modem".into()
}

fn default_channels() -> usize {
    4
}

fn default_keepalive() -> u64 {
    30
}

fn default_hold_down() -> u64 {
    60
}

fn default_trunk_expiry() -> u32 {
    600
}

fn default_rtp_ports() -> [u16; 2] {
    [20000, 20099]
}

fn yes() -> bool {
    true
}

/// The transport of a trunk's SIP signalling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SipTransportConf {
    #[default]
    Udp,
    Tcp,
    Tls,
}

/// Whether a trunk's audio is SRTP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SrtpConf {
    /// Plain RTP; an SRTP-only offer is refused with 488.
    #[default]
    Off,
    /// SRTP when the peer offers or accepts it, plain RTP otherwise.
    Optional,
    /// SRTP or no call (488 to a plain offer, hang-up on a plain answer).
    Mandatory,
}

/// Where an incoming INVITE's called number is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CalledNumberConf {
    /// The Request-URI's user part (what the trunk routed on).
    #[default]
    RequestUri,
    /// The To header's user part (some PBXes put the extension there).
    To,
}
