//! The `invigilator` command: serve, migrate, back up and restore, check pools, create an
//! administrator, verify the audit ledger, check the configuration.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use invigilator::domain::role::Role;
use invigilator::{cli, config, startup::Application, telemetry};

#[derive(Parser)]
#[command(
    name = "invigilator",
    version,
    about = "Exam delivery and certification server for ISO/IEC 20000"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database and checks the pools first).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Copy the SQLite database to FILE while the server keeps serving (a consistent
    /// snapshot), then check the copy. Never overwrites FILE. PostgreSQL: see the README.
    Backup { file: PathBuf },
    /// Bring a backup FILE into place as the configured SQLite database, which must not
    /// exist yet, after checking it; then migrate it forward. PostgreSQL: see the README.
    Restore { file: PathBuf },
    /// Question pools.
    Pools {
        #[command(subcommand)]
        command: PoolsCommand,
    },
    /// Certificates.
    Certificates {
        #[command(subcommand)]
        command: CertificatesCommand,
    },
    /// Administrator accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit ledger.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (secrets redacted) and what in it is unsafe for
    /// production. Exits non-zero when APP_ENVIRONMENT=production and something is unsafe.
    Check,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain; names the first altered, removed or reordered entry
    /// and exits non-zero if there is one.
    Verify,
}

#[derive(Subcommand)]
enum PoolsCommand {
    /// Validate every edition's scheme and items; report each problem with file and item id.
    Check {
        /// Pools folder (default: the configured one, `question-pools`).
        dir: Option<PathBuf>,
        /// Fail on test-wiseness warnings too (key length, cue words, give-aways).
        #[arg(long)]
        strict: bool,
    },
    /// Write each edition's qualification pools as QTI 3.0 content packages under DIR
    /// (one folder per qualification and edition: imsmanifest.xml and items/*.xml; with
    /// --zip, one .zip file each).
    Export {
        /// Folder to write the packages into (each package must not exist yet).
        #[arg(long, value_name = "DIR")]
        qti: PathBuf,
        /// Write each package as a .zip file, the form other systems import.
        #[arg(long)]
        zip: bool,
        /// Pools folder (default: the configured one, `question-pools`).
        pools: Option<PathBuf>,
    },
    /// Read a QTI 3.0 content package (a folder or a .zip file) into item files in DIR, a qualification's
    /// items folder. Every item that cannot be represented is named with its file and
    /// reason; the exit status is 1 when any was skipped.
    Import {
        /// The package: a folder or a .zip file holding imsmanifest.xml.
        #[arg(long, value_name = "PACKAGE")]
        qti: PathBuf,
        /// The items folder to write into, e.g. question-pools/iso20000-2011/foundation.
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum CertificatesCommand {
    /// Check a certificate's signature offline: FILE from GET /api/v1/certificates/{number}/signed,
    /// KEYS from GET /api/v1/certificates/keys. Exits non-zero if it does not verify.
    Verify {
        file: PathBuf,
        #[arg(long)]
        keys: PathBuf,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator (or, with --role invigilator, an invigilator). The password
    /// is read from INVIGILATOR_ADMIN_PASSWORD or standard input, never from an argument.
    Create {
        #[arg(long)]
        email: String,
        /// Given name(s) and family name, e.g. "Ada Lovelace".
        #[arg(long)]
        name: String,
        /// The account's role.
        #[arg(long, value_enum, default_value = "admin")]
        role: StaffRole,
    },
}

/// The roles an account made on the command line can hold.
#[derive(Clone, Copy, clap::ValueEnum)]
enum StaffRole {
    Admin,
    Invigilator,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Certificates {
        command: CertificatesCommand::Verify { file, keys },
    } = &cli.command
    {
        match cli::verify_certificate(file, keys) {
            Ok(message) => {
                println!("{message}");
                return Ok(());
            }
            Err(e) => {
                eprintln!("NOT VALID: {e:#}");
                std::process::exit(1);
            }
        }
    }
    let settings = config::get_settings()?;
    // Logging starts once the settings are read: they choose text or JSON lines.
    const FILTER: &str = "info,sqlx=warn,sea_orm=warn";
    match settings.log.format {
        config::LogFormat::Text => {
            telemetry::init_subscriber(telemetry::get_subscriber(FILTER, std::io::stderr))
        }
        config::LogFormat::Json => {
            telemetry::init_subscriber(telemetry::get_json_subscriber(FILTER, std::io::stderr))
        }
    }
    match cli.command {
        Command::Certificates { .. } => {}
        Command::Serve => {
            let app = Application::build(settings.clone()).await?;
            tracing::info!(host = %settings.server.host, port = app.port(), database = ?settings.database, "serving");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            invigilator::persistence::connect_and_migrate(&settings.database).await?;
            println!("database is up to date");
        }
        Command::Backup { file } => {
            if let Err(e) = cli::backup::backup(&settings, &file).await {
                eprintln!("backup failed: {e:#}");
                std::process::exit(1);
            }
        }
        Command::Restore { file } => {
            if let Err(e) = cli::backup::restore(&settings, &file).await {
                eprintln!("restore refused: {e:#}");
                std::process::exit(1);
            }
        }
        Command::Pools {
            command: PoolsCommand::Check { dir, strict },
        } => {
            let dir = dir.unwrap_or_else(|| settings.pools.dir.clone());
            if !cli::pools_check(&dir, strict) {
                std::process::exit(1);
            }
        }
        Command::Pools {
            command: PoolsCommand::Export { qti, zip, pools },
        } => {
            let pools = pools.unwrap_or_else(|| settings.pools.dir.clone());
            if !cli::pools_export(&pools, &qti, zip) {
                std::process::exit(1);
            }
        }
        Command::Pools {
            command: PoolsCommand::Import { qti, dir },
        } => {
            if !cli::pools_import(&qti, &dir) {
                std::process::exit(1);
            }
        }
        Command::Admin {
            command: AdminCommand::Create { email, name, role },
        } => {
            let password = cli::read_admin_password()?;
            let (role, word) = match role {
                StaffRole::Admin => (Role::Admin, "administrator"),
                StaffRole::Invigilator => (Role::Invigilator, "invigilator"),
            };
            let id = cli::admin_create(&settings, &email, &name, role, password).await?;
            println!("{word} {id} created");
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            let (report, unsafe_found) = cli::config_check(&settings)?;
            print!("{report}");
            if unsafe_found && settings.environment == config::Environment::Production {
                std::process::exit(1);
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let (ok, message) = cli::audit_verify(&settings).await?;
            println!("{message}");
            if !ok {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
