//! `meridian`: the observatory portal's server and command line.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use meridian_server::config::{Config, Overrides};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "meridian", version, about = "Meridian, the observatory portal")]
struct Cli {
    /// A TOML configuration file (settings in it are overridden by MERIDIAN_* variables and flags).
    #[arg(long, global = true, env = "MERIDIAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    bind: Option<SocketAddr>,
    /// Data directory for the embedded default [default: ./data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct WorkerArgs {
    /// Data directory for the embedded default [default: ./data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// Data directory for the embedded default [default: ./data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Read every file back and compare its SHA-256 (otherwise a random sample is read).
    #[arg(long)]
    full: bool,
    /// Files read back when not --full.
    #[arg(long, default_value_t = meridian_service::integrity::DEFAULT_SAMPLE)]
    sample: u64,
    /// Set drifted per-tier storage totals to the sums over the files.
    #[arg(long)]
    repair_totals: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Show the last recorded check (this command's or the daily scrub's) instead of checking now.
    #[arg(long)]
    last: bool,
}

#[derive(Debug, Subcommand)]
enum OperatorsCommand {
    /// Make the account with this address an operator (its address must be confirmed).
    Grant { email: String },
    /// Withdraw an account's operator rights.
    Revoke { email: String },
    /// List the operators.
    List,
}

#[derive(Debug, Subcommand)]
enum BillingCommand {
    /// Every workspace's plan, the plan whose limits apply now, a failed payment's lapse date, the newest
    /// subscription's Stripe status and the Stripe customer; then the count per plan.
    Status {
        /// Only workspaces on this plan (its key).
        #[arg(long)]
        plan: Option<String>,
        /// Only workspaces whose payment failed (lapsing or lapsed).
        #[arg(long)]
        lapsing: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the configuration reference (Markdown): every key with its type, default, environment variable and
    /// description, generated from the configuration types (docs/config-reference.md is its output).
    Reference,
}

#[derive(Debug, clap::Args)]
struct MailArgs {
    /// Only messages in this state: queued, sent or failed.
    #[arg(long)]
    status: Option<String>,
    /// How many of the newest messages to list.
    #[arg(long, default_value_t = 20)]
    limit: u64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the portal and the API.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(ServeArgs),
    /// Run background jobs only (no HTTP), until SIGINT or SIGTERM. Any number may run beside `serve`.
    Worker(WorkerArgs),
    /// Seed a demo observatory with a demo account, print how to sign in, then serve.
    Demo(ServeArgs),
    /// Check that every file's bytes are stored with their recorded size and checksum, list objects no row
    /// knows, check package manifests and storage totals. Exits 1 on any loss or corruption.
    Verify(VerifyArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// The configuration's keys.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The server's operators: accounts that may replace the satellite catalog and see every workspace's billing.
    Operators {
        #[command(subcommand)]
        command: OperatorsCommand,
    },
    /// Outgoing mail: how many messages are queued, sent and failed, and the newest ones (never their bodies).
    Mail(MailArgs),
    /// Storage plans and billing: which workspace is on which plan, and payment problems.
    Billing {
        #[command(subcommand)]
        command: BillingCommand,
    },
    /// Send files into a dataset, as a telescope computer does: resumable parts, retries through outages, each file
    /// once (a state file remembers what was sent); `--watch DIR` keeps sending new files as they appear.
    Upload(meridian_server::upload_cli::UploadArgs),
    /// Satellite checks: field-of-view crossings, passes, catalog import.
    Satellites {
        #[command(subcommand)]
        command: meridian_server::satellites_cli::SatellitesCommand,
    },
}

fn load(cli_config: Option<&PathBuf>, args: &ServeArgs) -> anyhow::Result<Config> {
    load_with(cli_config, &Overrides { bind: args.bind, data_dir: args.data_dir.clone() })
}

fn load_with(cli_config: Option<&PathBuf>, overrides: &Overrides) -> anyhow::Result<Config> {
    Config::load(cli_config.map(PathBuf::as_path), overrides).context("reading the configuration")
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match run(&cli) {
        Err(e) if e.downcast_ref::<meridian_server::satellites_cli::UsageError>().is_some() => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
        other => other,
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Openapi => {
            use std::io::Write as _;
            std::io::stdout().write_all(meridian_api::openapi::to_json().as_bytes())?;
            Ok(())
        }
        Command::Config { command: ConfigCommand::Reference } => {
            use std::io::Write as _;
            std::io::stdout().write_all(meridian_server::config::reference_markdown()?.as_bytes())?;
            Ok(())
        }
        Command::Serve(args) => {
            let config = load(cli.config.as_ref(), args)?;
            let _traces =
                meridian_server::observe::init_tracing_with(&config.log, config.log_format, &config.otlp_endpoint);
            actix_web::rt::System::new().block_on(meridian_server::serve(config, None))
        }
        Command::Migrate(args) => {
            let config = load(cli.config.as_ref(), args)?;
            meridian_server::init_tracing(&config.log, config.log_format);
            actix_web::rt::System::new().block_on(meridian_server::migrate(config))
        }
        Command::Worker(args) => {
            let config = load_with(cli.config.as_ref(), &Overrides { bind: None, data_dir: args.data_dir.clone() })?;
            let _traces =
                meridian_server::observe::init_tracing_with(&config.log, config.log_format, &config.otlp_endpoint);
            // Several threads: handlers run as their own tasks, in parallel.
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the runtime")?
                .block_on(meridian_server::work(config))
        }
        Command::Verify(args) => {
            let config = load_with(cli.config.as_ref(), &Overrides { bind: None, data_dir: args.data_dir.clone() })?;
            meridian_server::init_tracing(if config.log == "info" { "warn" } else { &config.log }, config.log_format);
            let opts = meridian_service::integrity::VerifyOptions {
                full: args.full,
                sample: args.sample,
                repair_totals: args.repair_totals,
                ..meridian_service::integrity::VerifyOptions::default()
            };
            let ok = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the runtime")?
                .block_on(meridian_server::verify(config, opts, args.json, args.last))?;
            if !ok {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Upload(args) => {
            let ok = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the runtime")?
                .block_on(meridian_server::upload_cli::run(args.clone()))?;
            if !ok {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Satellites { command } => {
            use meridian_server::satellites_cli::{self as sat, SatellitesCommand};
            let config = load_with(cli.config.as_ref(), &Overrides::default())?;
            meridian_server::init_tracing(if config.log == "info" { "warn" } else { &config.log }, config.log_format);
            tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?.block_on(
                async {
                    match command {
                        SatellitesCommand::Fov(args) => sat::fov(args, &config).await,
                        SatellitesCommand::Passes(args) => sat::passes(args, &config).await,
                        SatellitesCommand::Import(args) => sat::import(args, &config).await,
                    }
                },
            )
        }
        Command::Operators { command } => {
            let config = load_with(cli.config.as_ref(), &Overrides::default())?;
            meridian_server::init_tracing(if config.log == "info" { "warn" } else { &config.log }, config.log_format);
            tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?.block_on(
                async {
                    use std::io::Write as _;
                    let state = meridian_server::State::open(&config, true).await?;
                    let services = &state.services;
                    let mut out = std::io::stdout();
                    match command {
                        OperatorsCommand::Grant { email } | OperatorsCommand::Revoke { email } => {
                            let grant = matches!(command, OperatorsCommand::Grant { .. });
                            let account =
                                services.set_operator(email, grant).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                            let what = if grant { "is now an operator" } else { "is no longer an operator" };
                            writeln!(out, "{} ({}) {what}", account.email, account.id)?;
                        }
                        OperatorsCommand::List => {
                            for a in services.operators().await.map_err(|e| anyhow::anyhow!("{e}"))? {
                                writeln!(out, "{}\t{}\t{}", a.email, a.display_name, a.id)?;
                            }
                        }
                    }
                    anyhow::Ok(())
                },
            )
        }
        Command::Billing { command: BillingCommand::Status { plan, lapsing } } => {
            let config = load_with(cli.config.as_ref(), &Overrides::default())?;
            meridian_server::init_tracing(if config.log == "info" { "warn" } else { &config.log }, config.log_format);
            tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?.block_on(
                async {
                    use std::io::Write as _;
                    let state = meridian_server::State::open(&config, config.auto_migrate).await?;
                    if let Some(p) = plan.as_deref()
                        && !state.services.storage_plans().iter().any(|q| q.key.as_str() == p)
                    {
                        anyhow::bail!("--plan {p:?} is not one of this server's plans");
                    }
                    let rows = state.services.billing_status().await.map_err(|e| anyhow::anyhow!("{e}"))?;
                    let rows: Vec<_> = rows
                        .into_iter()
                        .filter(|r| plan.as_deref().is_none_or(|p| r.plan.as_str() == p))
                        .filter(|r| !*lapsing || r.lapses_at.is_some())
                        .collect();
                    let mut out = std::io::stdout();
                    writeln!(out, "workspace\tplan\tlimits of\tlapses\tsubscription\tcustomer")?;
                    let mut per_plan = std::collections::BTreeMap::<String, usize>::new();
                    for r in &rows {
                        *per_plan.entry(r.plan.to_string()).or_default() += 1;
                        let plan =
                            if r.plan_configured { r.plan.to_string() } else { format!("{} (not configured)", r.plan) };
                        writeln!(
                            out,
                            "{}{}\t{plan}\t{}\t{}\t{}\t{}",
                            r.slug,
                            if r.personal { " (personal)" } else { "" },
                            r.effective_plan,
                            r.lapses_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "-".into()),
                            r.subscription_status.as_ref().map_or("-", |s| s.as_str()),
                            r.stripe_customer.as_deref().unwrap_or("-"),
                        )?;
                    }
                    // The counts go to standard error, so the rows stay one table for cut and awk.
                    for (p, n) in per_plan {
                        eprintln!("{p}: {n}");
                    }
                    anyhow::Ok(())
                },
            )
        }
        Command::Mail(args) => {
            let config = load_with(cli.config.as_ref(), &Overrides::default())?;
            meridian_server::init_tracing(if config.log == "info" { "warn" } else { &config.log }, config.log_format);
            tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?.block_on(
                async {
                    use std::io::Write as _;
                    let state = meridian_server::State::open(&config, true).await?;
                    let services = &state.services;
                    let status = args
                        .status
                        .as_deref()
                        .map(meridian_domain::mail::MailStatus::parse)
                        .transpose()
                        .map_err(|e| anyhow::anyhow!("--status: {}", e.message))?;
                    let mut out = std::io::stdout();
                    writeln!(out, "transport: {}", services.mail_transport())?;
                    for (s, n) in services.mail_counts().await.map_err(|e| anyhow::anyhow!("{e}"))? {
                        writeln!(out, "{s}: {n}")?;
                    }
                    for m in services.mail_log(status, args.limit).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                        writeln!(
                            out,
                            "{}\t{}\t{}\t{}\tattempts {}\t{}",
                            m.created_at.format("%Y-%m-%d %H:%M:%S"),
                            m.status,
                            m.kind,
                            m.to,
                            m.attempts,
                            m.last_error.or(m.delivered_to).unwrap_or_default()
                        )?;
                    }
                    anyhow::Ok(())
                },
            )
        }
        Command::Demo(args) => {
            let config = load(cli.config.as_ref(), args)?;
            meridian_server::init_tracing(&config.log, config.log_format);
            actix_web::rt::System::new().block_on(async move {
                let state = meridian_server::State::open(&config, true).await?;
                let demo = meridian_server::demo::seed(&state.services).await?;
                let url = format!("http://{}", config.bind);
                use std::io::Write as _;
                let mut out = std::io::stdout();
                writeln!(out, "\nMeridian demo is ready at {url}")?;
                writeln!(out, "  sign in as  {}", demo.email)?;
                writeln!(out, "  password    {}", demo.password)?;
                writeln!(out, "  observatory {url}/w/{}\n", demo.slug)?;
                meridian_server::serve(config, Some(state)).await
            })
        }
    }
}
