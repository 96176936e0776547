//! `mppoint`: run a sale (against the embedded simulator by default), run the simulator, and the
//! everyday tasks of setting up a shop: list devices, switch a device to PDV mode, get or cancel
//! an intent, look up a payment, verify a captured webhook.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use mppoint::webhook::{self, VerifyOptions};
use mppoint::{
    Amount, Client, DeviceFilter, Error, ErrorKind, IntentRequest, OperatingMode, Site, Status,
    Target, Verdict, WaitOptions,
};
use mppoint_simulator::{Simulator, SimulatorConfig};

const EXIT_CODES: &str = "Exit codes: 0 done (sale approved, signature valid), 1 sale not paid \
(rejected, canceled, expired, error), 2 usage error, 3 confirmation required (check the terminal), \
4 outcome unknown (a create was sent and its answer lost: do not charge again), 5 API or network \
error, 6 invalid webhook signature, 7 invalid argument or amount.";

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
    #[arg(long, env = "MPPOINT_BASE_URL")]
    base_url: Option<String>,
    /// Site, for the amount limits: MLA (Argentina) or MLB (Brazil).
    #[arg(long, env = "MPPOINT_SITE")]
    site: Option<String>,
    /// Print results as JSON.
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
}

#[derive(Args)]
struct SaleArgs {
    #[command(flatten)]
    api: Api,
    /// Amount, with a dot and at most two decimals. In the simulator the cents choose the outcome:
    /// .13 rejected, .66 error, .77 confirmation required, .88 canceled on the terminal, .99 never
    /// picked up; anything else approved.
    #[arg(long, default_value = "25.00")]
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
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    /// Print the seller ticket on the terminal.
    #[arg(long)]
    print_ticket: bool,
}

#[derive(Args)]
struct SimArgs {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Serve HTTPS with a self-signed certificate (written next to the printed base URL).
    #[arg(long)]
    tls: bool,
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
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().filter_or("MPPOINT_LOG", "warn"))
        .format_timestamp_millis()
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sale(a) => sale(a),
        Command::Sim(a) => sim(a),
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
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit_code_for(&e))
        }
    }
}

fn exit_code_for(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::OutcomeUnknown => 4,
        ErrorKind::InvalidSignature => 6,
        ErrorKind::InvalidArgument | ErrorKind::InvalidAmount | ErrorKind::Config => 7,
        _ => 5,
    }
}

fn client(api: &Api) -> Result<Client, Error> {
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
    b.resend_ambiguous_creates(api.resend_ambiguous_creates)
        .build()
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), Error> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| Error::new(ErrorKind::Decode, e.to_string()))?;
    println!("{s}");
    Ok(())
}

fn sale(a: SaleArgs) -> Result<ExitCode, Error> {
    let amount = Amount::parse(&a.amount)?;
    // Without a token: an embedded simulator, fast enough to watch.
    let (sim, client, target) = if a.api.access_token.is_none() {
        let sim = Simulator::start(SimulatorConfig {
            pickup_delay: Duration::from_millis(800),
            step_delay: Duration::from_millis(600),
            ..SimulatorConfig::default()
        })?;
        let client = sim
            .client_builder()
            .site(sim.config().site)
            .api(a.api.api_name.parse::<mppoint::Api>()?)
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
        println!(
            "Using the embedded simulator at {} (no --access-token given).",
            sim.base_url()
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
        (None, client(&a.api)?, target)
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
    let started = Instant::now();
    let intent_id = Arc::new(Mutex::new(String::new()));
    let id2 = intent_id.clone();
    let opts = WaitOptions::new()
        .poll_interval(Duration::from_millis(if sim.is_some() {
            200
        } else {
            1000
        }))
        .timeout(Duration::from_secs(a.timeout_secs))
        .on_status(move |intent| {
            let mut id = id2.lock().unwrap_or_else(|e| e.into_inner());
            if id.is_empty() {
                *id = intent.id.clone();
                println!(
                    "[{:>5.1}s] Intent {} created for {} — {}",
                    started.elapsed().as_secs_f64(),
                    intent.id,
                    intent.amount().map(|a| a.to_string()).unwrap_or_default(),
                    intent.status
                );
                return;
            }
            let what = match &intent.status {
                Status::Opened => "waiting for the terminal to pick it up",
                Status::OnTerminal => {
                    "on the terminal: ask the customer to insert, tap or swipe the card"
                }
                Status::Processing => "processing with the card network",
                Status::Processed => "processed, waiting for confirmation",
                Status::Closed => "closed: looking up the payment",
                Status::ConfirmationRequired => "ended without a known payment status",
                Status::Canceled => "canceled",
                Status::Error => "the terminal reported an error",
                Status::Expired => "expired",
                Status::Unknown(_) => "in a status this version does not know",
            };
            println!(
                "[{:>5.1}s] {} — {what}",
                started.elapsed().as_secs_f64(),
                intent.status
            );
            let _ = std::io::stdout().flush();
        });
    let sale = client.charge(&target, &req, &opts)?;
    if a.api.json {
        print_json(&sale)?;
    }
    println!(
        "[{:>5.1}s] Verdict: {} — {}. {}",
        started.elapsed().as_secs_f64(),
        sale.verdict,
        sale.reason,
        sale.verdict.advice()
    );
    drop(sim);
    Ok(match sale.verdict {
        Verdict::Approved => ExitCode::SUCCESS,
        Verdict::ConfirmationRequired => ExitCode::from(3),
        _ => ExitCode::from(1),
    })
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
        let path = std::env::temp_dir().join("mppoint-simulator-ca.pem");
        std::fs::write(&path, pem).map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
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
    println!("signature valid");
    if let Some(path) = a.body {
        let body = std::fs::read(&path).map_err(|e| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let n = webhook::parse(&body)?;
        print_json(&n)?;
    }
    Ok(ExitCode::SUCCESS)
}
