//! `mppoint`: run a sale (against the embedded simulator by default), run the simulator, and the
//! everyday tasks of setting up a shop: list devices, switch a device to PDV mode, get or cancel
//! an intent, look up a payment, verify a captured webhook.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use mppoint::webhook::{self, VerifyOptions};
use mppoint::{
    Amount, CancelToken, Client, DeviceFilter, Error, ErrorKind, Intent, IntentRequest,
    OperatingMode, Sale, Site, Status, Target, Verdict, WaitOptions,
};
use mppoint_simulator::{Simulator, SimulatorConfig};

mod serve;

const EXIT_CODES: &str = "Output: data (the verdict, the JSON of --json) goes to stdout; progress, \
warnings and errors go to stderr, so `mppoint sale --json | jq .verdict` works. With --json an error \
is also printed to stdout as {\"error\":{\"code\":…,\"message\":…}}.

Exit codes: 0 done (sale approved, signature valid), 1 sale not paid (rejected, canceled, expired, \
error; also a sale stopped by --timeout-secs or Ctrl-C whose intent was canceled), 2 usage error, \
3 check the terminal (confirmation required, or a stopped sale whose intent is still on the \
terminal; with --journal also a sale another process is charging now), 4 outcome unknown (a create was sent and its answer lost: do not charge again), 5 API or \
network error, 6 invalid webhook signature, 7 invalid argument or amount (refused by mppoint, or by \
Mercado Pago with HTTP 400), 130 quit by a second Ctrl-C.

Logging: MPPOINT_LOG sets what the library logs to stderr (requests, retries, redeliveries), in \
env_logger syntax: MPPOINT_LOG=debug, MPPOINT_LOG=mppoint=trace, MPPOINT_LOG=off (default warn). \
The access token never appears in the log.";

#[derive(Parser)]
#[command(name = "mppoint", version, about = "Drive Mercado Pago Point terminals through the InStore API intents.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Api {
    /// Access token of the Mercado Pago account that owns the terminals. Without it, `sale`
    /// runs against the embedded simulator.
    #[arg(long, env = "MP_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// API base URL (a simulator's, for tests).
    #[arg(long, env = "MPPOINT_BASE_URL", hide_env_values = true)]
    base_url: Option<String>,
    /// Site, for the amount limits: MLA (Argentina) or MLB (Brazil).
    #[arg(long, env = "MPPOINT_SITE", hide_env_values = true)]
    site: Option<String>,
    /// Print results as JSON on stdout (progress and messages stay on stderr).
    #[arg(long)]
    json: bool,
    /// Re-send a create whose answer was lost with the same idempotency key (only for an account
    /// whose keys Mercado Pago honours; by default such a create ends as outcome unknown).
    #[arg(long)]
    resend_ambiguous_creates: bool,
    /// Which Mercado Pago API drives the terminals: `intents` (the InStore intents) or `orders`
    /// (the Orders API, which Mercado Pago recommends for new integrations).
    #[arg(
        long = "api",
        env = "MPPOINT_API",
        hide_env_values = true,
        default_value = "intents",
        value_name = "intents|orders"
    )]
    api_name: String,
}

#[derive(Subcommand)]
enum Command {
    /// Ring up a complete sale: create the intent, follow it on the terminal, read the payment,
    /// give the verdict. Without --access-token it runs against an embedded simulator.
    Sale(SaleArgs),
    /// Run the simulator as a process, printing its base URL, token and webhook secret.
    Sim(SimArgs),
    /// List devices (optionally of one store or POS).
    Devices {
        #[command(flatten)]
        api: Api,
        /// Only this store's devices.
        #[arg(long)]
        store_id: Option<String>,
        /// Only this POS's devices (numeric id).
        #[arg(long)]
        pos_id: Option<String>,
    },
    /// Switch a device's operating mode (PDV receives intents); restart the device afterwards.
    SetMode {
        #[command(flatten)]
        api: Api,
        /// Device id, like PAX_A910__SMARTPOS1234567890.
        device_id: String,
        /// PDV or STANDALONE.
        mode: String,
    },
    /// Show an intent.
    Get {
        #[command(flatten)]
        api: Api,
        /// Intent id.
        intent_id: String,
    },
    /// Cancel an intent that is still OPENED (once on the terminal, cancel it there).
    Cancel {
        #[command(flatten)]
        api: Api,
        /// Intent id.
        intent_id: String,
        /// Use the older path that also names the POS external id.
        #[arg(long)]
        pos: Option<String>,
    },
    /// Show a payment.
    Payment {
        #[command(flatten)]
        api: Api,
        /// Payment id (from a CLOSED intent's results).
        payment_id: u64,
    },
    /// Verify a captured webhook notification's signature and print it.
    VerifyWebhook(VerifyArgs),
    /// List the sales of a journal not yet settled (in flight, of unknown outcome, or ended but
    /// not booked); with --json, a JSON list on stdout.
    Pending(PendingArgs),
    /// Record that the POS has booked the sale REFERENCE of the journal (exactly once).
    Settle {
        #[command(flatten)]
        api: Api,
        #[command(flatten)]
        journal: JournalArgs,
        /// The sale's reference.
        reference: String,
    },
    /// At start-up: drive every pending sale of the journal to its verdict (never charging
    /// anything new), then list what is still pending.
    Resolve(ResolveArgs),
    /// A local HTTP/JSON bridge (and file-exchange folder) for POS software that cannot link a
    /// library: sales through the sale journal, on 127.0.0.1 with a bearer token.
    Serve(Box<serve::ServeArgs>),
    /// Print on a terminal's own printer: lines of text (each --line, --bold, --title, --qr in
    /// the order given), or an image; the POS's text is escaped, so it cannot add tags.
    Print(PrintArgs),
    /// Mercado Pago's sandbox (test credentials only): drive a test order to a final status
    /// (processed, failed, canceled, expired, refunded, action_required).
    Sandbox {
        #[command(flatten)]
        api: Api,
        /// The status to give the order.
        event: String,
        /// The order id (ORD…).
        #[arg(long)]
        order: String,
        /// For failed: the decline (e.g. insufficient_amount); for processed: accredited.
        #[arg(long)]
        status_detail: Option<String>,
        /// The card brand (visa, master, amex, debvisa, debmaster) and type, as BRAND:TYPE
        /// (e.g. visa:credit_card).
        #[arg(long)]
        card: Option<String>,
        /// The account is a test user's (its APP_USR- token is a test credential).
        #[arg(long)]
        test_account: bool,
    },
}

#[derive(Args)]
struct PrintArgs {
    #[command(flatten)]
    api: Api,
    /// The terminal (TYPE__SERIAL, as `mppoint devices` lists it).
    #[arg(long)]
    terminal: Option<String>,
    /// Your reference for the print (letters, digits, _ and -; at most 64).
    #[arg(long)]
    reference: Option<String>,
    /// A centred large title line.
    #[arg(long)]
    title: Vec<String>,
    /// A line of text (repeatable).
    #[arg(long)]
    line: Vec<String>,
    /// A bold line (repeatable).
    #[arg(long)]
    bold: Vec<String>,
    /// A QR code of this text (a URL, say).
    #[arg(long)]
    qr: Option<String>,
    /// A PNG or JPEG file to print instead of text (at most 750,000 bytes: its Base64 form must fit the API's 1 MB).
    #[arg(long, conflicts_with_all = ["title", "line", "bold", "qr"])]
    image: Option<std::path::PathBuf>,
    /// Wait for the terminal to print it, at most this many seconds (0: do not wait).
    #[arg(long, default_value_t = 60)]
    wait_secs: u64,
}

#[derive(Args)]
struct SaleArgs {
    #[command(flatten)]
    api: Api,
    /// Amount, with a dot and at most two decimals. In the simulator the cents choose the outcome:
    /// .13 rejected, .44 held on the terminal, .66 error, .77 confirmation required, .88 canceled
    /// on the terminal, .99 never picked up; anything else approved.
    #[arg(long, default_value = "25.00", allow_hyphen_values = true)]
    amount: String,
    /// Description shown on the terminal.
    #[arg(long, default_value = "mppoint sale")]
    description: String,
    /// Your reference for the sale (letters, digits, spaces and - : _ , .).
    #[arg(long)]
    reference: Option<String>,
    /// The POS external id whose device charges (default: the simulator's first POS).
    #[arg(long, conflicts_with = "device")]
    pos: Option<String>,
    /// Or a device id.
    #[arg(long)]
    device: Option<String>,
    /// Stop waiting after this many seconds: an intent still OPENED is then canceled; one on the
    /// terminal is reported with what to do.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    /// While the status does not change, print a "still waiting" line this often (seconds).
    #[arg(long, default_value_t = 5)]
    progress_secs: u64,
    /// Poll the sale at this fixed pace (milliseconds) instead of the library's adaptive schedule
    /// (every 2.5 s, slower while an InStore sale waits for its card and after 45 s; 200 ms on
    /// the embedded simulator).
    #[arg(long, env = "MPPOINT_POLL_MS", hide_env_values = true)]
    poll_ms: Option<u64>,
    /// Print the seller ticket on the terminal.
    #[arg(long)]
    print_ticket: bool,
    /// When the terminal is busy with another sale, wait up to this many seconds for it to be
    /// free (trying again at the poll pace) instead of failing at once.
    #[arg(long)]
    when_busy_secs: Option<u64>,
    #[command(flatten)]
    journal: JournalArgs,
}

#[derive(Args, Clone)]
struct JournalArgs {
    /// Keep a crash-safe sale journal in this SQLite file (created if absent): a sale rung again
    /// with the same --reference after a crash is resumed, never charged twice.
    #[arg(long, env = "MPPOINT_JOURNAL", hide_env_values = true)]
    journal: Option<std::path::PathBuf>,
    /// With --journal on the InStore intents: how long after a create whose answer was lost the
    /// journal waits for the sale's payment before it ends that attempt unpaid (default 1200 s).
    #[arg(long, env = "MPPOINT_JOURNAL_LOST_CREATE_WINDOW_SECS", hide = true)]
    journal_lost_create_window_secs: Option<u64>,
}

impl JournalArgs {
    fn apply(&self, mut b: mppoint::ClientBuilder) -> mppoint::ClientBuilder {
        if let Some(p) = &self.journal {
            b = b.journal(p);
        }
        if let Some(s) = self.journal_lost_create_window_secs {
            b = b.journal_lost_create_window(Duration::from_secs(s));
        }
        b
    }
}

#[derive(Args)]
struct PendingArgs {
    #[command(flatten)]
    api: Api,
    #[command(flatten)]
    journal: JournalArgs,
}

#[derive(Args)]
struct ResolveArgs {
    #[command(flatten)]
    api: Api,
    #[command(flatten)]
    journal: JournalArgs,
    /// What to do with an approved sale the POS never booked: report (list it, the default),
    /// settle (book it as the journal says) or refund (refund it in full).
    #[arg(long, default_value = "report", value_name = "report|settle|refund")]
    approved: String,
    /// Wait at most this long for each sale still on a terminal (seconds).
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

#[derive(Args)]
struct SimArgs {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Serve HTTPS with a self-signed certificate; its CA is written to --ca-out, or to a new
    /// private temporary folder (printed, removed on Ctrl-C).
    #[arg(long)]
    tls: bool,
    /// Where to write the CA certificate of --tls (PEM); the file must not exist yet.
    #[arg(long, requires = "tls")]
    ca_out: Option<std::path::PathBuf>,
    /// Speed up the one-hour expiry and the webhook redelivery by this factor.
    #[arg(long, default_value_t = 1)]
    time_factor: u32,
    /// POST notifications of final intents here (repeatable).
    #[arg(long = "webhook-url")]
    webhook_urls: Vec<String>,
    /// The webhook secret (default: the simulator's).
    #[arg(long)]
    webhook_secret: Option<String>,
    /// The access token clients must send (default: the simulator's).
    #[arg(long)]
    token: Option<String>,
    /// Site: MLA or MLB.
    #[arg(long, default_value = "MLB")]
    site: String,
}

#[derive(Args)]
struct VerifyArgs {
    /// The webhook secret of the application (Mercado Pago panel).
    #[arg(long, env = "MP_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// The `x-signature` header, as received.
    #[arg(long)]
    signature: Option<String>,
    /// The `x-request-id` header, as received.
    #[arg(long)]
    request_id: Option<String>,
    /// The `data.id` query parameter of the notification URL.
    #[arg(long)]
    data_id: Option<String>,
    /// A file with the notification body, to print it once verified.
    #[arg(long)]
    body: Option<std::path::PathBuf>,
    /// Refuse a `ts` farther than this from now.
    #[arg(long)]
    tolerance_secs: Option<u64>,
    /// Print the result as JSON: {"valid":true,"notification":…}.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().filter_or("MPPOINT_LOG", "warn"))
        .format_timestamp_millis()
        .init();
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Sale(a) => a.api.json,
        Command::Sim(_) => false,
        Command::Serve(_) => false,
        Command::Devices { api, .. }
        | Command::SetMode { api, .. }
        | Command::Get { api, .. }
        | Command::Cancel { api, .. }
        | Command::Payment { api, .. } => api.json,
        Command::VerifyWebhook(a) => a.json,
        Command::Pending(a) => a.api.json,
        Command::Settle { api, .. } => api.json,
        Command::Resolve(a) => a.api.json,
        Command::Print(a) => a.api.json,
        Command::Sandbox { api, .. } => api.json,
    };
    let result = match cli.command {
        Command::Sale(a) => sale(a),
        Command::Sim(a) => sim(a),
        Command::Serve(a) => serve::serve(*a),
        Command::Devices {
            api,
            store_id,
            pos_id,
        } => devices(&api, store_id, pos_id),
        Command::SetMode {
            api,
            device_id,
            mode,
        } => set_mode(&api, &device_id, &mode),
        Command::Get { api, intent_id } => get(&api, &intent_id),
        Command::Cancel {
            api,
            intent_id,
            pos,
        } => cancel(&api, &intent_id, pos.as_deref()),
        Command::Payment { api, payment_id } => payment(&api, payment_id),
        Command::VerifyWebhook(a) => verify_webhook(a),
        Command::Pending(a) => pending(a),
        Command::Settle {
            api,
            journal,
            reference,
        } => settle(&api, &journal, &reference),
        Command::Resolve(a) => resolve(a),
        Command::Print(a) => print(a),
        Command::Sandbox {
            api,
            event,
            order,
            status_detail,
            card,
            test_account,
        } => sandbox(&api, &event, &order, status_detail, card, test_account),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = hint_for(&e) {
                eprintln!("{hint}");
            }
            if json {
                print_error_json(&e);
            }
            ExitCode::from(exit_code_for(&e))
        }
    }
}

fn exit_code_for(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::OutcomeUnknown => 4,
        // Being charged by another process, or no verdict yet: try again later.
        ErrorKind::SaleInProgress => 3,
        ErrorKind::InvalidSignature => 6,
        // A 400 is Mercado Pago refusing the content (an amount outside the site's limits when
        // --site was not given, a bad reference...): the same fix as our own refusal.
        ErrorKind::InvalidArgument
        | ErrorKind::InvalidAmount
        | ErrorKind::Config
        | ErrorKind::SandboxOnly
        | ErrorKind::BadRequest => 7,
        _ => 5,
    }
}

/// The next step, as `mppoint` commands (the library's own messages name no command).
fn hint_for(e: &Error) -> Option<String> {
    let id = e.intent_id();
    match (e.kind(), id) {
        (ErrorKind::OutcomeUnknown, _) => Some(format!(
            "hint: the create may have reached the terminal: look at the terminal (or `mppoint devices`) before ringing the sale up again{}",
            e.idempotency_key()
                .map(|k| format!("; the idempotency key was {k}"))
                .unwrap_or_default()
        )),
        (ErrorKind::SaleInProgress, _) => Some(
            "hint: another till or process is charging this reference (or it has no verdict yet): \
             wait for it, then run the same `mppoint sale` again; `mppoint pending --journal …` lists the sales"
                .into(),
        ),
        (ErrorKind::Journal, _) => Some(
            "hint: nothing was charged; fix the journal file as the message says, or pass another --journal".into(),
        ),
        (ErrorKind::WaitTimeout | ErrorKind::Canceled, _) if e.external_reference().is_some() => Some(format!(
            "hint: with --journal, run the same `mppoint sale` with --reference {:?} again to resume it: the journal never charges it twice",
            e.external_reference().unwrap_or_default()
        )),
        (ErrorKind::AlreadyQueued, _) => Some(
            "hint: the terminal still has an unfinished intent: finish or cancel it on the terminal \
             (one still OPENED can be canceled with `mppoint cancel INTENT_ID`)"
                .into(),
        ),
        (ErrorKind::CannotCancel, _) => Some(format!(
            "hint: it is on the terminal (cancel it there) or already ended: see it with `mppoint get {}`",
            id.unwrap_or("INTENT_ID")
        )),
        (ErrorKind::BadRequest, _) => Some(
            "hint: Mercado Pago refused the request's content (the message says what). A terminal takes \
             sales only in PDV mode: `mppoint devices` shows each one's mode, `mppoint set-mode DEVICE PDV` \
             switches it, and the terminal must then be restarted"
                .into(),
        ),
        (ErrorKind::NotFound, _) => Some(
            "hint: check the id, and that the access token (and --api intents|orders) is the one \
             the sale was made with: an account sees only its own intents and orders"
                .into(),
        ),
        (_, Some(id)) => Some(format!(
            "hint: intent {id}: see it with `mppoint get {id}`; while it is OPENED, `mppoint cancel {id}` cancels it"
        )),
        _ => None,
    }
}

/// An error as JSON on stdout, for scripts that asked for --json: every field of the core's one
/// list ([`mppoint::ErrorFields`]), `external_reference` included (what a script needs to recover
/// from `OUTCOME_UNKNOWN`: find_payments by it).
fn print_error_json(e: &Error) {
    println!("{}", serde_json::json!({ "error": e.fields() }));
}

fn client(api: &Api) -> Result<Client, Error> {
    builder(api)?.build()
}

fn builder(api: &Api) -> Result<mppoint::ClientBuilder, Error> {
    let token = api.access_token.clone().ok_or_else(|| {
        Error::new(
            ErrorKind::Config,
            "no access token: pass --access-token or set MP_ACCESS_TOKEN",
        )
    })?;
    let mut b = Client::builder(token)
        .user_agent_suffix("mppoint-cli")
        .api(api.api_name.parse::<mppoint::Api>()?);
    if let Some(u) = &api.base_url {
        b = b.base_url(u);
    }
    if let Some(s) = &api.site {
        b = b.site(s.parse::<Site>()?);
    }
    Ok(b.resend_ambiguous_creates(api.resend_ambiguous_creates))
}

/// A client for the journal commands: `pending` and `settle` send nothing, so they need no
/// access token.
fn journal_client(api: &Api, journal: &JournalArgs, needs_api: bool) -> Result<Client, Error> {
    if journal.journal.is_none() {
        return Err(Error::new(
            ErrorKind::Config,
            "no journal: pass --journal PATH (or set MPPOINT_JOURNAL)",
        ));
    }
    let b = if api.access_token.is_none() && !needs_api {
        Client::builder("mppoint-journal-only").api(api.api_name.parse::<mppoint::Api>()?)
    } else {
        builder(api)?
    };
    journal.apply(b).build()
}

fn pending(a: PendingArgs) -> Result<ExitCode, Error> {
    let client = journal_client(&a.api, &a.journal, false)?;
    let list = client.pending()?;
    if a.api.json {
        print_json(&list)?;
    } else if list.is_empty() {
        println!("No pending sales.");
    } else {
        for p in &list {
            println!(
                "{}  {}  {}  {}  {}{}",
                p.reference,
                p.amount,
                p.state,
                p.verdict.as_deref().unwrap_or("-"),
                if p.paid {
                    "PAID: book it, then `mppoint settle`"
                } else {
                    ""
                },
                p.note
                    .as_deref()
                    .map(|n| format!("\n    {n}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn settle(api: &Api, journal: &JournalArgs, reference: &str) -> Result<ExitCode, Error> {
    let client = journal_client(api, journal, false)?;
    let now = client.settle(reference)?;
    if api.json {
        println!(
            "{}",
            serde_json::json!({ "reference": reference, "settled": now })
        );
    } else if now {
        println!("Sale {reference} settled.");
    } else {
        println!("Sale {reference} was settled already.");
    }
    Ok(ExitCode::SUCCESS)
}

fn print(a: PrintArgs) -> Result<ExitCode, Error> {
    use mppoint::print::{PrintContent, PrintRequest, PrintText};
    // Without a token: the embedded simulator and its first PDV terminal.
    let embedded = a.api.access_token.is_none();
    let sim = if embedded {
        Some(Simulator::start(SimulatorConfig {
            pickup_delay: Duration::from_millis(300),
            step_delay: Duration::from_millis(300),
            ..SimulatorConfig::default()
        })?)
    } else {
        None
    };
    let client = match &sim {
        Some(s) => s.client_builder().build()?,
        None => client(&a.api)?,
    };
    let terminal = match (&a.terminal, &sim) {
        (Some(t), _) => t.clone(),
        (None, Some(s)) => s
            .config()
            .devices
            .first()
            .map(|d| d.id.clone())
            .unwrap_or_default(),
        (None, None) => {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "with --access-token, say which terminal prints: --terminal TYPE__SERIAL (see `mppoint devices`)",
            ))
        }
    };
    let content = match &a.image {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("cannot read the image {}: {e}", path.display()),
                )
            })?;
            PrintContent::image(bytes)?
        }
        None => {
            let mut t = PrintText::new();
            for x in &a.title {
                t = t.center_wide(x);
            }
            for x in &a.bold {
                t = t.bold(x);
            }
            for x in &a.line {
                t = t.line(x);
            }
            if let Some(q) = &a.qr {
                t = t.qr(q);
            }
            t.build()?
        }
    };
    let reference = a.reference.clone().unwrap_or_else(|| {
        format!(
            "mppoint-print-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        )
    });
    let started = Instant::now();
    let mut action = client.print(&PrintRequest::new(&terminal, &reference, content))?;
    say(
        started,
        format_args!(
            "Print action {} for {terminal}: {}",
            action.id, action.status
        ),
    );
    let deadline = Instant::now() + Duration::from_secs(a.wait_secs);
    while !action.status.is_final() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        let now = client.print_action(&action.id)?;
        if now.status != action.status {
            say(started, format_args!("{}", now.status));
        }
        action = now;
    }
    if a.api.json {
        print_json(&action)?;
    } else {
        println!("Print action {}: {}", action.id, action.status);
    }
    drop(sim);
    Ok(match action.status {
        mppoint::print::PrintStatus::Processed => ExitCode::SUCCESS,
        mppoint::print::PrintStatus::Failed | mppoint::print::PrintStatus::Canceled => {
            ExitCode::from(1)
        }
        // Not printed yet: look at the terminal.
        _ => ExitCode::from(3),
    })
}

fn sandbox(
    api: &Api,
    event: &str,
    order: &str,
    status_detail: Option<String>,
    card: Option<String>,
    test_account: bool,
) -> Result<ExitCode, Error> {
    use mppoint::sandbox::{OrderEvent, SimulatedStatus};
    let mut e = OrderEvent::new(SimulatedStatus::parse(event)?);
    if let Some(c) = card {
        let (brand, kind) = c.split_once(':').ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("--card must be BRAND:TYPE, like visa:credit_card (got {c:?})"),
            )
        })?;
        e = e.card(brand, kind);
    }
    if let Some(d) = status_detail {
        e = e.status_detail(d);
    }
    let client = builder(api)?
        .api(mppoint::Api::Orders)
        .test_account(test_account)
        .build()?;
    client.simulate_order_event(order, &e)?;
    if api.json {
        println!("{}", serde_json::json!({ "order": order, "event": event }));
    } else {
        println!("Order {order}: {event} asked; it reads at_terminal first, then {event} within 10 s (40 s for action_required). Follow it with `mppoint get {order} --api orders`.");
    }
    Ok(ExitCode::SUCCESS)
}

fn resolve(a: ResolveArgs) -> Result<ExitCode, Error> {
    let policy = mppoint::ApprovedPolicy::parse(&a.approved)?;
    if a.timeout_secs == 0 {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "--timeout-secs must be at least 1",
        ));
    }
    let client = journal_client(&a.api, &a.journal, true)?;
    let opts = WaitOptions::new().timeout(Duration::from_secs(a.timeout_secs));
    let left = client.resolve_pending(policy, &opts)?;
    if a.api.json {
        print_json(&left)?;
    } else {
        for p in &left {
            println!(
                "{}  {}  {}  {}{}",
                p.reference,
                p.amount,
                p.state,
                p.verdict.as_deref().unwrap_or("-"),
                p.note
                    .as_deref()
                    .map(|n| format!("\n    {n}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), Error> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| Error::new(ErrorKind::Decode, e.to_string()))?;
    println!("{s}");
    Ok(())
}

/// The line a cashier reads: the verdict, why, and what to do, each said once ("payment … approved:
/// hand over the goods", not "approved. payment approved: …").
fn verdict_line(sale: &mppoint::Sale) -> String {
    let advice = sale.verdict.advice();
    let todo = advice.split_once(": ").map_or(advice, |(_, todo)| todo);
    format!("Verdict: {} — {}: {todo}", sale.verdict, sale.reason)
}

/// A finished sale as `--json` prints it: the library's sale, plus `is_paid` and `advice`, so a
/// script need not know which verdicts are paid.
fn sale_json(sale: &mppoint::Sale) -> serde_json::Value {
    let mut v = serde_json::to_value(sale).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("is_paid".into(), sale.is_paid().into());
        o.insert("advice".into(), sale.verdict.advice().into());
    }
    v
}

/// What a Ctrl-C during `sale` acts on: the wait's cancel token, and the intent (once created) so
/// a second Ctrl-C can still say what is left on the terminal.
#[derive(Clone, Default)]
struct Interrupt {
    token: CancelToken,
    presses: Arc<AtomicUsize>,
    intent_id: Arc<Mutex<Option<String>>>,
}

impl Interrupt {
    /// Installs the Ctrl-C handler: the first press stops the wait (the sale then cancels an
    /// `OPENED` intent, or says what is on the terminal); a second press exits at once, naming the
    /// commands that finish the job.
    fn install(&self) {
        let me = self.clone();
        let installed = ctrlc::set_handler(move || {
            let n = me.presses.fetch_add(1, Ordering::SeqCst) + 1;
            let id = me
                .intent_id
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            if n == 1 {
                eprintln!("Interrupted: stopping the wait (press Ctrl-C again to quit at once).");
                me.token.cancel();
                return;
            }
            match id {
                Some(id) => eprintln!(
                    "Quit. Intent {id} may still be on the terminal: see it with `mppoint get {id}`; \
                     while it is OPENED, `mppoint cancel {id}` cancels it, past that cancel it on the terminal."
                ),
                None => eprintln!("Quit before any intent was created."),
            }
            std::process::exit(130);
        });
        if let Err(e) = installed {
            log::warn!("Ctrl-C will not cancel the intent: {e}");
        }
    }

    fn interrupted(&self) -> bool {
        self.token.is_canceled()
    }
}

/// Writes one progress line for the cashier (stderr: stdout is for data).
fn say(started: Instant, line: impl std::fmt::Display) {
    eprintln!("[{:>5.1}s] {line}", started.elapsed().as_secs_f64());
}

fn status_meaning(status: &Status) -> &'static str {
    match status {
        Status::Opened => "waiting for the terminal to pick it up",
        Status::OnTerminal => "on the terminal: ask the customer to insert, tap or swipe the card",
        Status::Processing => "processing with the card network",
        Status::Processed => "processed, waiting for confirmation",
        Status::Closed => "closed: looking up the payment",
        Status::ConfirmationRequired => "ended without a known payment status",
        Status::Canceled => "canceled",
        Status::Error => {
            "ended without a payment (a refused card or a terminal error): see the verdict"
        }
        Status::Expired => "expired",
        Status::CancelRequested => {
            "cancel requested: the terminal has not confirmed it yet, and the customer may still pay"
        }
        Status::Unknown(_) => "in a status this version does not know",
    }
}

fn sale(a: SaleArgs) -> Result<ExitCode, Error> {
    let amount = Amount::parse(&a.amount)?;
    if a.api.access_token.is_none() && a.api.base_url.is_some() {
        return Err(Error::new(
            ErrorKind::Config,
            "--base-url (or MPPOINT_BASE_URL) was given without --access-token (or MP_ACCESS_TOKEN): \
             give the token too, or neither to run the sale on the embedded simulator",
        ));
    }
    if a.timeout_secs == 0 || a.progress_secs == 0 {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "--timeout-secs and --progress-secs must be at least 1",
        ));
    }
    let started = Instant::now();
    // Without a token: an embedded simulator, fast enough to watch.
    let (sim, client, target) = if a.api.access_token.is_none() {
        let mut cfg = SimulatorConfig {
            pickup_delay: Duration::from_millis(800),
            step_delay: Duration::from_millis(600),
            ..SimulatorConfig::default()
        };
        if let Some(s) = &a.api.site {
            cfg.site = s.parse::<Site>()?;
        }
        let sim = Simulator::start(cfg)?;
        let client = a
            .journal
            .apply(
                sim.client_builder()
                    .site(sim.config().site)
                    .api(a.api.api_name.parse::<mppoint::Api>()?),
            )
            .build()?;
        let target = match (&a.pos, &a.device) {
            (_, Some(d)) => Target::Device(d.clone()),
            (Some(p), _) => Target::Pos(p.clone()),
            _ => Target::Pos(
                sim.config()
                    .pos
                    .first()
                    .map(|p| p.external_id.clone())
                    .unwrap_or_default(),
            ),
        };
        say(
            started,
            format_args!(
                "Using the embedded simulator at {} (no --access-token given).",
                sim.base_url()
            ),
        );
        (Some(sim), client, target)
    } else {
        let target = match (&a.pos, &a.device) {
            (_, Some(d)) => Target::Device(d.clone()),
            (Some(p), _) => Target::Pos(p.clone()),
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "with --access-token, say which terminal charges: --pos EXTERNAL_ID or --device DEVICE_ID",
                ))
            }
        };
        (None, a.journal.apply(builder(&a.api)?).build()?, target)
    };
    let reference = a.reference.clone().unwrap_or_else(|| {
        format!(
            "mppoint-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        )
    });
    let req = IntentRequest::new(amount, a.description.clone(), reference)
        .print_seller_ticket(a.print_ticket);

    let interrupt = Interrupt::default();
    interrupt.install();
    if a.journal.journal.is_some() {
        let r = journal_sale(
            &a,
            &client,
            &target,
            &req,
            &interrupt,
            sim.is_some(),
            started,
        );
        drop(sim);
        return r;
    }
    let busy = busy_wait(&a, started).cancel_token(interrupt.token.clone());
    let created = client.create_when_free(&target, &req, &busy)?;
    *interrupt
        .intent_id
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(created.id.clone());
    say(
        started,
        format_args!(
            "{} {} created for {} — {}",
            match client.api() {
                mppoint::Api::Orders => "Order",
                _ => "Intent",
            },
            created.id,
            created.amount().map(|a| a.to_string()).unwrap_or_default(),
            created.status
        ),
    );

    // The last status shown and when a line was last printed, shared by the status callback and
    // the "still waiting" ticker (the interrupt check, run at least every 100 ms by the wait).
    let shown = Arc::new(Mutex::new((created.status.clone(), Instant::now())));
    let (shown2, shown3) = (shown.clone(), shown.clone());
    let timeout = Duration::from_secs(a.timeout_secs);
    let every = Duration::from_secs(a.progress_secs);
    let wait_started = Instant::now();
    // Against Mercado Pago the core's adaptive schedule; the embedded simulator's steps take
    // milliseconds, so there a fixed quick pace.
    let poll = match (a.poll_ms, &sim) {
        (Some(ms), _) => mppoint::PollSchedule::Fixed(Duration::from_millis(ms)),
        (None, Some(_)) => mppoint::PollSchedule::Fixed(Duration::from_millis(200)),
        (None, None) => mppoint::PollSchedule::Adaptive,
    };
    let opts = WaitOptions::new()
        .poll_schedule(poll)
        .timeout(timeout)
        .cancel_token(interrupt.token.clone())
        .on_status(move |intent| {
            let mut shown = shown2.lock().unwrap_or_else(|e| e.into_inner());
            if shown.0 != intent.status {
                say(
                    started,
                    format_args!("{} — {}", intent.status, status_meaning(&intent.status)),
                );
                *shown = (intent.status.clone(), Instant::now());
            }
        })
        .interrupt(move || {
            let mut shown = shown3.lock().unwrap_or_else(|e| e.into_inner());
            if shown.1.elapsed() >= every {
                let left = timeout.saturating_sub(wait_started.elapsed()).as_secs();
                say(
                    started,
                    format_args!(
                        "still {} — waiting ({left} s before giving up; Ctrl-C stops and cancels if it can)",
                        shown.0
                    ),
                );
                shown.1 = Instant::now();
            }
            false
        });
    let waited = client.wait_for_final(&created.id, &opts);
    let sale = match waited {
        Err(e) if matches!(e.kind(), ErrorKind::WaitTimeout | ErrorKind::Canceled) => {
            let why = if interrupt.interrupted() {
                "Interrupted".to_string()
            } else {
                format!("No final status within {} s", a.timeout_secs)
            };
            match stop_sale(&client, &created, &why, started)? {
                Ok(sale) => sale,
                Err(status) => {
                    if a.api.json {
                        let v = serde_json::json!({
                            "error": {
                                "code": e.kind().code(),
                                "message": format!("{why}: intent {} is still on the terminal", created.id),
                                "intent_id": created.id,
                                "last_status": status.map(|s| s.as_str().to_string()),
                                "idempotency_key": created.idempotency_key,
                            }
                        });
                        println!("{v}");
                    }
                    drop(sim);
                    return Ok(ExitCode::from(3));
                }
            }
        }
        waited => client.finish_charge(&created, waited)?,
    };
    let verdict = verdict_line(&sale);
    if a.api.json {
        print_json(&sale_json(&sale))?;
        say(started, verdict);
    } else {
        println!("{verdict}");
    }
    drop(sim);
    Ok(match sale.verdict {
        Verdict::Approved => ExitCode::SUCCESS,
        Verdict::ConfirmationRequired => ExitCode::from(3),
        _ => ExitCode::from(1),
    })
}

/// The wait for a busy terminal that `--when-busy-secs` asks for, saying so on stderr each time.
fn busy_wait(a: &SaleArgs, started: Instant) -> WaitOptions {
    let mut o = WaitOptions::new();
    if let Some(secs) = a.when_busy_secs {
        o = o
            .when_busy(Duration::from_secs(secs))
            .on_busy(move |e| say(started, format_args!("terminal busy, waiting: {e}")));
    }
    o
}

/// A sale with a journal: the journal drives it ([`Client::charge`]), so a sale rung again with the
/// same reference after a crash is resumed, or answered from the journal, never charged twice.
fn journal_sale(
    a: &SaleArgs,
    client: &Client,
    target: &Target,
    req: &IntentRequest,
    interrupt: &Interrupt,
    embedded: bool,
    started: Instant,
) -> Result<ExitCode, Error> {
    let shown: Arc<Mutex<Option<Status>>> = Arc::default();
    let poll = match (a.poll_ms, embedded) {
        (Some(ms), _) => mppoint::PollSchedule::Fixed(Duration::from_millis(ms)),
        (None, true) => mppoint::PollSchedule::Fixed(Duration::from_millis(200)),
        (None, false) => mppoint::PollSchedule::Adaptive,
    };
    let busy = busy_wait(a, started);
    let mut opts = WaitOptions::new()
        .poll_schedule(poll)
        .timeout(Duration::from_secs(a.timeout_secs))
        .cancel_token(interrupt.token.clone())
        .on_status(move |intent| {
            let mut shown = shown.lock().unwrap_or_else(|e| e.into_inner());
            if shown.as_ref() != Some(&intent.status) {
                say(
                    started,
                    format_args!(
                        "{} {} — {}",
                        intent.id,
                        intent.status,
                        status_meaning(&intent.status)
                    ),
                );
                *shown = Some(intent.status.clone());
            }
        });
    opts.when_busy = busy.when_busy;
    opts.on_busy = busy.on_busy;
    say(
        started,
        format_args!(
            "Sale {} in the journal {}",
            req.external_reference(),
            a.journal
                .journal
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
    );
    let sale = client.charge(target, req, &opts)?;
    let verdict = verdict_line(&sale);
    if a.api.json {
        print_json(&sale_json(&sale))?;
        say(started, verdict);
    } else {
        println!("{verdict}");
    }
    if sale.is_paid() {
        say(
            started,
            format_args!(
                "Book the sale, then `mppoint settle {} --journal …` records that it was booked.",
                req.external_reference()
            ),
        );
    }
    Ok(match sale.verdict {
        Verdict::Approved => ExitCode::SUCCESS,
        Verdict::ConfirmationRequired => ExitCode::from(3),
        _ => ExitCode::from(1),
    })
}

/// After a wait timeout or a Ctrl-C: never leave an intent behind the cashier's back. An `OPENED`
/// intent is canceled through the API (the sale then ends `CANCELED`); an intent that ended in the
/// meantime gets its normal verdict; one on the terminal is reported with what to do (`Err` with
/// its status, when it could be read).
fn stop_sale(
    client: &Client,
    created: &Intent,
    why: &str,
    started: Instant,
) -> Result<Result<Sale, Option<Status>>, Error> {
    let id = &created.id;
    let mut current = client.get_intent(id);
    if let Ok(i) = &current {
        if i.status == Status::Opened {
            match client.cancel_intent(id) {
                Ok(()) => {
                    say(
                        started,
                        format_args!(
                            "{why}: intent {id} was still OPENED (not picked up by the terminal), so it was canceled. Nothing was charged."
                        ),
                    );
                    current = client.get_intent(id);
                }
                Err(e) => {
                    say(
                        started,
                        format_args!("{why}: could not cancel intent {id}: {e}"),
                    );
                    current = client.get_intent(id);
                }
            }
        }
    }
    match current {
        Ok(i) if i.status.is_final() => {
            say(started, format_args!("intent {id} ended {}", i.status));
            client.finish_charge(created, Ok(i)).map(Ok)
        }
        Ok(i) => {
            say(
                started,
                format_args!(
                    "{why}: intent {id} is still {} on the terminal and only the terminal can cancel it now; \
                     the customer may still pay. Cancel it on the terminal (or let it finish), then check it with `mppoint get {id}` \
                     before handing over the goods.",
                    i.status
                ),
            );
            Ok(Err(Some(i.status)))
        }
        Err(e) => {
            say(
                started,
                format_args!(
                    "{why}: could not read intent {id} ({e}). It may still be on the terminal: check it with \
                     `mppoint get {id}`; while it is OPENED, `mppoint cancel {id}` cancels it."
                ),
            );
            Ok(Err(None))
        }
    }
}

fn sim(a: SimArgs) -> Result<ExitCode, Error> {
    let bind: std::net::SocketAddr = format!("{}:{}", a.host, a.port).parse().map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{}:{} is not an address to listen on", a.host, a.port),
        )
    })?;
    let mut cfg = SimulatorConfig {
        bind,
        tls: a.tls,
        time_factor: a.time_factor.max(1),
        webhook_urls: a.webhook_urls,
        site: a.site.parse()?,
        ..SimulatorConfig::default()
    };
    if let Some(s) = a.webhook_secret {
        cfg.webhook_secret = s;
    }
    if let Some(t) = a.token {
        cfg.access_token = t;
    }
    let sim = Simulator::start(cfg)?;
    println!("mppoint simulator listening");
    println!("  base URL:       {}", sim.base_url());
    println!("  access token:   {}", sim.access_token());
    println!("  webhook secret: {}", sim.webhook_secret());
    if let Some(pem) = sim.ca_cert_pem() {
        let path = write_ca(pem, a.ca_out.as_deref())?;
        println!("  CA certificate: {}", path.display());
    }
    for p in &sim.config().pos {
        println!("  POS:            {}", p.external_id);
    }
    for d in &sim.config().devices {
        println!("  device:         {} ({})", d.id, d.operating_mode);
    }
    println!(
        "Control routes under {}/_simulator/ . Ctrl-C to stop.",
        sim.base_url()
    );
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

/// Writes the simulator's CA where the user said (never over an existing file), or into a new
/// private temporary folder (mode 0700 on Unix: another local user can neither read nor plant
/// it), removed again on Ctrl-C. Each simulator gets its own, so two never overwrite each other.
fn write_ca(pem: &str, to: Option<&std::path::Path>) -> Result<std::path::PathBuf, Error> {
    let io_err = |what: &std::path::Path, e: std::io::Error| {
        Error::new(
            ErrorKind::Config,
            format!("cannot write the CA certificate to {}: {e}", what.display()),
        )
    };
    if let Some(path) = to {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        f.write_all(pem.as_bytes()).map_err(|e| io_err(path, e))?;
        return Ok(path.to_path_buf());
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix("mppoint-simulator-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let dir = builder
        .tempdir()
        .map_err(|e| io_err(&std::env::temp_dir(), e))?;
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, pem).map_err(|e| io_err(&path, e))?;
    let dir = dir.keep();
    let remove = dir.clone();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = std::fs::remove_dir_all(&remove);
        std::process::exit(0);
    }) {
        log::warn!("{} will stay after Ctrl-C: {e}", dir.display());
    }
    Ok(path)
}

fn devices(api: &Api, store_id: Option<String>, pos_id: Option<String>) -> Result<ExitCode, Error> {
    let c = client(api)?;
    let filter = DeviceFilter {
        store_id,
        pos_id,
        ..DeviceFilter::default()
    };
    let all = c.devices(&filter).collect::<Result<Vec<_>, _>>()?;
    if api.json {
        print_json(&all)?;
    } else {
        for d in &all {
            println!(
                "{}\t{}\tPOS {}",
                d.id,
                d.operating_mode,
                d.external_pos_id.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn set_mode(api: &Api, device_id: &str, mode: &str) -> Result<ExitCode, Error> {
    let c = client(api)?;
    let mode = OperatingMode::parse_settable(mode)?;
    let now = c.set_operating_mode(device_id, mode)?;
    println!("{device_id} is now {now}: restart the device for the change to take effect");
    Ok(ExitCode::SUCCESS)
}

fn get(api: &Api, intent_id: &str) -> Result<ExitCode, Error> {
    let c = client(api)?;
    let i = c.get_intent(intent_id)?;
    if api.json {
        print_json(&i)?;
    } else {
        println!(
            "{} {} amount {} payments {:?}",
            i.id,
            i.status,
            i.amount()
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into()),
            i.payment_ids()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn cancel(api: &Api, intent_id: &str, pos: Option<&str>) -> Result<ExitCode, Error> {
    let c = client(api)?;
    match pos {
        Some(p) => c.cancel_intent_for_pos(intent_id, p)?,
        None => c.cancel_intent(intent_id)?,
    }
    println!("intent {intent_id} canceled");
    Ok(ExitCode::SUCCESS)
}

fn payment(api: &Api, id: u64) -> Result<ExitCode, Error> {
    let c = client(api)?;
    let p = c.get_payment(id)?;
    if api.json {
        print_json(&p)?;
    } else {
        println!(
            "{} {} {} {}",
            p.id,
            p.status,
            p.status_detail.as_deref().unwrap_or("-"),
            p.transaction_amount
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into())
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_webhook(a: VerifyArgs) -> Result<ExitCode, Error> {
    let opts = VerifyOptions {
        tolerance: a.tolerance_secs.map(Duration::from_secs),
        now: None,
    };
    webhook::verify(
        &a.secret,
        a.signature.as_deref(),
        a.request_id.as_deref(),
        a.data_id.as_deref(),
        &opts,
    )?;
    let notification = match a.body {
        Some(path) => {
            let body = std::fs::read(&path).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            Some(webhook::parse(&body)?)
        }
        None => None,
    };
    if a.json {
        print_json(&serde_json::json!({ "valid": true, "notification": notification }))?;
    } else {
        println!("signature valid");
        if let Some(n) = &notification {
            print_json(n)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
