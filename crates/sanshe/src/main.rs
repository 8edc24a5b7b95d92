//! The `sanshe` binary: server and command-line administration.

mod bench;

/// mimalloc instead of the C library's allocator: imports and answers allocate many small
/// values, and glibc's consolidation of freed chunks took a fifth of an import's CPU.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use sanshe_app::accounts::{self, NewUserInput};
use sanshe_app::config::Settings;
use sanshe_app::{demo, App, AppError, Ctx};
use std::io::Read;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sanshe",
    version,
    about = "三社联动平台 Sanshe: community governance platform"
)]
struct Cli {
    /// Configuration file (default: ./sanshe.toml if present, or $SANSHE_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start the web server (the default command).
    Serve {
        /// Load the demo district into an empty database first.
        #[arg(long)]
        demo: bool,
        /// Listen address (overrides configuration).
        #[arg(long)]
        listen: Option<String>,
        /// Serve the public portal only, never writing (on a database replica).
        #[arg(long)]
        read_only: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo district (常州市武进区) into an empty database.
    Demo,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Import data files.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Print the effective configuration (secrets redacted).
    Config,
    /// Load a province's or the nation's real divisions with synthetic populations and
    /// proportional registries into an empty database (for benchmarks).
    Generate {
        /// `province` (Jiangsu, about 21,000 communities) or `national` (620,573).
        #[arg(long, default_value = "province")]
        scale: String,
        /// Directory with china-counties-2023.csv, china-streets-2023.csv(.gz) and
        /// china-communities-2023.csv(.gz).
        #[arg(long, default_value = "../shared/data/divisions")]
        divisions: PathBuf,
    },
    /// Time the dashboard at every level and a spreadsheet import (see docs/benchmarks.md).
    Bench {
        #[arg(long, default_value_t = 5)]
        iterations: usize,
        /// Rows of the import benchmark (0: skip; it writes the rows).
        #[arg(long, default_value_t = 100_000)]
        import_rows: usize,
        /// Single saves to time (organizations created and edited; 0: skip; it writes them).
        #[arg(long, default_value_t = 0)]
        writes: usize,
    },
    /// Personal-data keys: generate a new master key, re-encrypt under the current key.
    #[command(subcommand)]
    Pii(PiiCmd),
    /// The audit log's hash chain.
    #[command(subcommand)]
    Audit(AuditCmd),
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the chain from the first entry; exit with status 1 naming the first entry that
    /// was edited, deleted or inserted out of order. Prints the head hash to keep outside
    /// the database (see docs/operations.md).
    Verify,
}

#[derive(Subcommand)]
enum PiiCmd {
    /// Print a new random master key (64 hex digits) for `pii_key` / SANSHE_PII_KEY.
    NewKey,
    /// Re-encrypt every ID and phone number under the current key (run after changing
    /// `pii_key`, with the old key as `pii_previous_key`).
    Rotate,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an account.
    Create {
        username: String,
        #[arg(long)]
        role: String,
        /// Area code (area roles) or organization id/name (organization roles).
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input).
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lock an account and end its sessions.
    Lock { username: String },
    /// Unlock an account and clear a lockout.
    Unlock { username: String },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Create an API token for a user; prints it once.
    Create {
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
        #[arg(long)]
        expires_days: Option<i64>,
    },
    /// Revoke a token by id.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// Divisions in the NBS CSV format (counties, streets/towns or communities/villages).
    Areas(ImportArgs),
    /// Service facilities (XLSX or CSV in UTF-8/GB18030; see the template in the web UI).
    Facilities(ImportArgs),
    /// Social organizations.
    Orgs(ImportArgs),
    /// Social workers.
    Workers(ImportArgs),
    /// Community posts.
    Posts(ImportArgs),
    /// CPD hours from an attendance sheet (身份证号, 培训日期, 学时, 培训内容, 培训机构).
    Cpd(ImportArgs),
}

#[derive(clap::Args)]
struct ImportArgs {
    file: PathBuf,
    /// Validate and report only.
    #[arg(long)]
    dry_run: bool,
    /// Write the valid rows even if others are bad.
    #[arg(long)]
    only_valid: bool,
}

fn read_password(flag: bool) -> Result<String> {
    if !flag {
        bail!("pass the password on standard input with --password-stdin");
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("reading the password from standard input")?;
    let line = s.lines().next().unwrap_or("").to_owned();
    if line.is_empty() {
        bail!("no password on standard input");
    }
    Ok(line)
}

/// Explains an application error on the terminal, in English.
fn explain(e: AppError) -> anyhow::Error {
    let tr = sanshe_app::i18n::Tr::new(sanshe_app::i18n::Lang::En);
    match e {
        AppError::Invalid(fs) => anyhow!(fs
            .iter()
            .map(|f| format!("{}: {}", f.field, tr.field_error(f)))
            .collect::<Vec<_>>()
            .join("\n")),
        AppError::Conflict(f) => anyhow!("{}: {}", f.field, tr.field_error(&f)),
        other => anyhow!(other.to_string()),
    }
}

async fn user_id(app: &App, username: &str) -> Result<i64> {
    accounts::find_user(app, username)
        .await
        .map_err(explain)?
        .map(|u| u.id)
        .ok_or_else(|| anyhow!("no user named {username}"))
}

fn init_logging(s: &Settings) {
    use tracing_subscriber::filter::{filter_fn, LevelFilter};
    use tracing_subscriber::prelude::*;
    let level = match std::env::var("SANSHE_LOG")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "error" => tracing::Level::ERROR,
        "warn" => tracing::Level::WARN,
        "debug" => tracing::Level::DEBUG,
        "trace" => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt: Box<dyn tracing_subscriber::Layer<_> + Send + Sync> = if s.log_format == "json" {
        Box::new(fmt.json())
    } else {
        Box::new(fmt.with_ansi(false))
    };
    // The driver's per-statement timings, counted (never printed) for the load benchmark.
    let sql_timing = std::env::var("SANSHE_SQL_TIMING").is_ok_and(|v| v == "1");
    if sql_timing {
        sanshe_web::SQL_CLOCK.enable();
        sanshe_store::TIME_STATEMENTS.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    tracing_subscriber::registry()
        .with(fmt.with_filter(LevelFilter::from_level(level)))
        .with(sql_timing.then(|| SqlTimes.with_filter(filter_fn(|m| m.target() == "sqlx::query"))))
        .init();
}

/// Adds each statement's `elapsed_secs`, as the driver reports it, to the server's SQL clock.
struct SqlTimes;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SqlTimes {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Elapsed(Option<f64>);
        impl tracing::field::Visit for Elapsed {
            fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
                if field.name() == "elapsed_secs" {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        let mut e = Elapsed(None);
        event.record(&mut e);
        if let Some(secs) = e.0 {
            sanshe_web::SQL_CLOCK.record(secs);
        }
    }
}

fn print_demo_accounts(accounts: &[demo::DemoAccount]) {
    println!("Demo accounts (password {}):", demo::DEMO_PASSWORD);
    for a in accounts {
        println!("  {:<11} {:<15} {}", a.username, a.role.as_str(), a.scope);
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut settings =
        Settings::load(cli.config.as_deref()).map_err(|e| anyhow!("configuration: {e}"))?;
    let cmd = cli.cmd.unwrap_or(Cmd::Serve {
        demo: false,
        listen: None,
        read_only: false,
    });
    if let Cmd::Config = cmd {
        print!("{}", settings.to_redacted_toml());
        return Ok(());
    }
    if let Cmd::Pii(PiiCmd::NewKey) = cmd {
        println!("{}", sanshe_app::security::random_hex(32).map_err(explain)?);
        return Ok(());
    }
    if let Cmd::Serve {
        listen: Some(l), ..
    } = &cmd
    {
        l.parse::<std::net::SocketAddr>()
            .map_err(|_| anyhow!("--listen: expected an address like 127.0.0.1:8080"))?;
        settings.listen = l.clone();
    }
    if let Cmd::Serve {
        read_only, demo, ..
    } = &cmd
    {
        settings.read_only |= *read_only;
        if *demo && settings.read_only {
            return Err(anyhow!(
                "--demo writes the demo district: not on a read-only server"
            ));
        }
    }
    if settings.read_only && !matches!(cmd, Cmd::Serve { .. }) {
        return Err(anyhow!(
            "read_only is set: this configuration only serves the public portal"
        ));
    }
    init_logging(&settings);
    let app = App::open(settings).await.map_err(|e| anyhow!("{e}"))?;
    let ctx = Ctx::cli();
    match cmd {
        Cmd::Config => {}
        Cmd::Migrate => {
            let v = app.db.schema_version().await.map_err(|e| anyhow!("{e}"))?;
            println!("database is at schema version {v}");
        }
        Cmd::Demo => {
            let accounts = demo::load(&app).await.map_err(explain)?;
            println!("Demo district 常州市武进区 loaded.");
            print_demo_accounts(&accounts);
        }
        Cmd::Serve {
            demo: want_demo, ..
        } => {
            let mut demo_accounts = None;
            if want_demo {
                if sanshe_app::areas::count(&app).await.map_err(explain)? == 0 {
                    demo_accounts = Some(demo::load(&app).await.map_err(explain)?);
                } else if !sanshe_app::areas::has_demo(&app).await.map_err(explain)? {
                    eprintln!("--demo ignored: the database already holds real data");
                }
            }
            let server = sanshe_web::Server::bind(app.clone(), &app.settings.listen)
                .await
                .with_context(|| format!("cannot listen on {}", app.settings.listen))?;
            let addr = server.local_addr()?;
            println!("Sanshe 三社联动平台 is running: http://{addr}/");
            if app.settings.read_only {
                println!("Read-only: the public portal only; nothing is written here.");
            }
            if let Some(a) = demo_accounts {
                println!("Demo district 常州市武进区 loaded (populations are synthetic).");
                print_demo_accounts(&a);
            } else if sanshe_app::areas::has_demo(&app).await.map_err(explain)? {
                println!(
                    "Demo district present; demo accounts use the password {}",
                    demo::DEMO_PASSWORD
                );
                println!("  district street community org worker evaluator resident sysadmin secadmin auditadmin");
            }
            println!("Press Ctrl+C to stop.");
            server.run(shutdown_signal()).await?;
            app.db.close().await;
        }
        Cmd::User(u) => match u {
            UserCmd::Create {
                username,
                role,
                scope,
                display_name,
                password_stdin,
            } => {
                let password = read_password(password_stdin)?;
                let input = NewUserInput {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username,
                    role,
                    scope,
                    password,
                };
                let id = accounts::create_user(&app, &ctx, &input)
                    .await
                    .map_err(explain)?;
                println!("created user {} (id {id})", input.username);
            }
            UserCmd::ResetPassword {
                username,
                password_stdin,
            } => {
                let password = read_password(password_stdin)?;
                let id = user_id(&app, &username).await?;
                accounts::reset_password(&app, &ctx, id, &password)
                    .await
                    .map_err(explain)?;
                println!("password reset for {username}");
            }
            UserCmd::Lock { username } => {
                let id = user_id(&app, &username).await?;
                accounts::set_locked(&app, &ctx, id, true)
                    .await
                    .map_err(explain)?;
                println!("locked {username}");
            }
            UserCmd::Unlock { username } => {
                let id = user_id(&app, &username).await?;
                accounts::set_locked(&app, &ctx, id, false)
                    .await
                    .map_err(explain)?;
                println!("unlocked {username}");
            }
            UserCmd::List => {
                let page =
                    accounts::list_users(&app, &ctx, &Default::default(), sanshe_store_page())
                        .await
                        .map_err(explain)?;
                println!("id    username         role             scope          status");
                for u in page.items {
                    let scope = u
                        .scope_area
                        .clone()
                        .or(u.scope_org.map(|o| format!("org {o}")))
                        .unwrap_or_else(|| "-".into());
                    let status = if u.locked { "locked" } else { "active" };
                    println!(
                        "{:<5} {:<16} {:<16} {:<14} {}",
                        u.id, u.username, u.role, scope, status
                    );
                }
            }
        },
        Cmd::Token(t) => match t {
            TokenCmd::Create {
                username,
                name,
                expires_days,
            } => {
                let id = user_id(&app, &username).await?;
                let tok = accounts::create_token(&app, &ctx, id, &name, expires_days)
                    .await
                    .map_err(explain)?;
                println!("{}", tok.secret);
                eprintln!(
                    "token id {} for {username}; store it now, it is not shown again",
                    tok.id
                );
            }
            TokenCmd::Revoke { id } => {
                accounts::revoke_token(&app, &ctx, id)
                    .await
                    .map_err(explain)?;
                println!("revoked token {id}");
            }
        },
        Cmd::Pii(PiiCmd::NewKey) => {}
        Cmd::Audit(AuditCmd::Verify) => {
            let r = sanshe_app::uow::verify(&app).await.map_err(explain)?;
            if r.unchained > 0 {
                println!(
                    "{} entries written before the chain existed (not covered)",
                    r.unchained
                );
            }
            match r.first_broken {
                None => {
                    println!("audit chain intact: {} entries verified", r.checked);
                    println!("head: {}", r.head.as_deref().unwrap_or("-"));
                }
                Some(id) => {
                    eprintln!(
                        "audit chain BROKEN at entry {id}: it, or an entry just before it, was \
                         edited, deleted or inserted out of order ({} entries verified before it)",
                        r.checked.saturating_sub(1)
                    );
                    std::process::exit(1);
                }
            }
        }
        Cmd::Generate { scale, divisions } => {
            let prefix = match scale.as_str() {
                "province" => "32",
                "national" => "",
                _ => bail!("--scale: province or national"),
            };
            if sanshe_app::areas::count(&app).await.map_err(explain)? > 0 {
                bail!("the database already has areas; generate into an empty database");
            }
            bench::generate(&app, prefix, &divisions, 20_180_910).await?;
        }
        Cmd::Bench {
            iterations,
            import_rows,
            writes,
        } => {
            if writes > 0 {
                bench::bench_writes(&app, writes).await?;
            } else {
                bench::bench(&app, iterations.max(1), import_rows).await?;
            }
        }
        Cmd::Pii(PiiCmd::Rotate) => {
            let (n, changed) = sanshe_app::workers::rotate_keys(&app, &ctx)
                .await
                .map_err(explain)?;
            println!(
                "{changed} of {n} records re-encrypted under key {}; the previous key is no longer needed once this database's backups age out",
                app.pii.key_id()
            );
        }
        Cmd::Import(cmd) => {
            use sanshe_app::registry as reg;
            let (args, kind) = match &cmd {
                ImportCmd::Areas(a) => (a, "areas"),
                ImportCmd::Facilities(a) => (a, "facilities"),
                ImportCmd::Orgs(a) => (a, "orgs"),
                ImportCmd::Workers(a) => (a, "workers"),
                ImportCmd::Posts(a) => (a, "posts"),
                ImportCmd::Cpd(a) => (a, "cpd"),
            };
            let bytes = std::fs::read(&args.file)
                .with_context(|| format!("reading {}", args.file.display()))?;
            eprintln!("checking {} ({} bytes)…", args.file.display(), bytes.len());
            let opts = sanshe_app::areas::ImportOptions {
                dry_run: args.dry_run,
                only_valid: args.only_valid,
                demo: false,
            };
            let progress = |stage: &str, done: usize, total: usize| {
                eprint!("\r{stage}: {done}/{total} rows   ");
                if done == total {
                    eprintln!();
                }
            };
            let p: reg::Progress<'_> = &progress;
            let r = match kind {
                "areas" => sanshe_app::areas::import(&app, &ctx, &bytes, opts).await,
                "cpd" => sanshe_app::workers::import_cpd(&app, &ctx, &bytes, opts).await,
                registry => reg::import_kind(&app, &ctx, registry, &bytes, opts, Some(p)).await,
            }
            .map_err(explain)?;
            let tr = sanshe_app::i18n::Tr::new(sanshe_app::i18n::Lang::En);
            for i in &r.issues {
                println!(
                    "row {:>6}  {:<12} {}",
                    i.row,
                    i.column,
                    tr.f(&i.code, &i.args)
                );
            }
            println!(
                "{} rows: {} valid ({} already present), {} added, {} problems; {}",
                r.total_rows,
                r.valid_rows,
                r.existing_rows,
                r.inserted,
                r.issues.len(),
                if r.committed {
                    "written"
                } else if r.dry_run {
                    "dry run, nothing written"
                } else {
                    "nothing written"
                }
            );
            if !r.issues.is_empty() && !r.committed {
                std::process::exit(2);
            }
        }
    }
    Ok(())
}

fn sanshe_store_page() -> sanshe_app::store::PageReq {
    sanshe_app::store::PageReq {
        page: 1,
        per_page: 10_000,
    }
}
