//! The command-line operations besides `serve`: migrate, check pools, create an admin.

// `println!` and `print!` for this module's reports: a reader that stops early
// (`invigilator pools check | head`) ends the command quietly, with the shell's code for a
// closed pipe, where std's macros panic.
macro_rules! println {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! print {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*)) };
}

pub mod backup;

use std::io::BufRead;
use std::path::Path;

use anyhow::Context;

use crate::app::accounts::{self, NewAccount};
use crate::auth::password::PasswordHasher;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::domain::pool::count_by_area;
use crate::domain::role::Role;
use crate::domain::values::{EmailAddress, NewPassword, PersonName};
use crate::pools::load_catalog;

/// Writes to standard output; exits with 141 (128 + SIGPIPE) when the reader has gone,
/// and with 1 when the output cannot be written (a full disk).
pub fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    match std::io::stdout().lock().write_fmt(args) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(141),
        Err(e) => {
            eprintln!("cannot write the output: {e}");
            std::process::exit(1);
        }
    }
}

/// Checks every edition under `dir`; prints each problem, or a summary per qualification
/// with its test-wiseness report (`domain::cueing`). Returns false when there are
/// problems, or with `strict` warnings.
pub fn pools_check(dir: &Path, strict: bool) -> bool {
    match load_catalog(dir) {
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("{} problem(s) in {}", problems.len(), dir.display());
            false
        }
        Ok(catalog) => {
            let mut warnings = 0;
            for edition in &catalog.editions {
                println!(
                    "{} edition {} ({}), pool hash {}",
                    edition.scheme, edition.edition, edition.title, edition.pool_hash
                );
                for q in &edition.qualifications {
                    let counts = count_by_area(&q.questions);
                    let total: u32 = counts.values().map(|c| c.0).sum();
                    let pilots: u32 = counts.values().map(|c| c.1).sum();
                    print!(
                        "  {}: {total} questions ({pilots} pilot)",
                        q.qualification.code
                    );
                    match q.disjoint_papers() {
                        Some(n) => println!(", enough for {n} paper(s) without a shared question"),
                        None => println!(", no blueprint yet (listed, not deliverable)"),
                    }
                    let mut styles: std::collections::BTreeMap<String, u32> = Default::default();
                    for item in q.questions.iter().flat_map(|q| &q.items) {
                        *styles.entry(format!("{:?}", item.style())).or_default() += 1;
                    }
                    let styles: Vec<String> =
                        styles.iter().map(|(s, n)| format!("{s} {n}")).collect();
                    println!("    items by style: {}", styles.join(", "));
                    for (area, (scored, pilot)) in counts {
                        let needed = q
                            .qualification
                            .blueprint
                            .as_ref()
                            .and_then(|b| b.areas.get(&area))
                            .copied()
                            .unwrap_or(0);
                        println!(
                            "    {area}: {scored} scored, {pilot} pilot; a paper draws {needed}"
                        );
                    }
                    warnings += cueing_report(&q.questions);
                }
            }
            if warnings > 0 {
                println!("{warnings} warning(s)");
            }
            if strict && warnings > 0 {
                eprintln!("pools check --strict: {warnings} warning(s)");
                return false;
            }
            println!("ok");
            true
        }
    }
}

/// `pools export --qti DIR`: one QTI 3.0 package per qualification; prints what each
/// holds. False (nothing written) when the pools do not load.
pub fn pools_export(pools: &Path, out: &Path, zip: bool) -> bool {
    let catalog = match load_catalog(pools) {
        Ok(c) => c,
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!(
                "{} problem(s) in {}: nothing exported",
                problems.len(),
                pools.display()
            );
            return false;
        }
    };
    let started = std::time::Instant::now();
    match crate::qti::export::export_catalog(&catalog, out, zip) {
        Ok(done) => {
            for e in &done {
                println!(
                    "{}: {} items, {} KiB",
                    out.join(&e.folder).display(),
                    e.items,
                    e.bytes.div_ceil(1024)
                );
            }
            println!(
                "exported {} package(s) in {} ms",
                done.len(),
                started.elapsed().as_millis()
            );
            true
        }
        Err(e) => {
            eprintln!("export failed: {e:#}");
            false
        }
    }
}

/// `pools import --qti PACKAGE DIR`: writes the items the package holds into DIR and
/// names every item it left out. False when the package cannot be read or any item was
/// skipped (the items that could be read are written all the same).
pub fn pools_import(package: &Path, dir: &Path) -> bool {
    let imported = match crate::qti::import::read_package(package) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("import failed: {e:#}");
            return false;
        }
    };
    for s in &imported.skipped {
        eprintln!("skipped {}: {}", s.file, s.reason);
    }
    match crate::qti::import::write_files(&imported, dir) {
        Ok(files) => {
            for f in files {
                println!("wrote {}", dir.join(f).display());
            }
        }
        Err(e) => {
            eprintln!("import failed: {e:#}");
            return false;
        }
    }
    if !imported.incomplete.is_empty() {
        println!(
            "{} item(s) came without our metadata (area, level, clause, rationale): fill them in, in needs-review.toml, before `pools check` accepts them: {}",
            imported.incomplete.len(),
            imported.incomplete.join(", ")
        );
    }
    println!(
        "imported {} item(s), skipped {}",
        imported.imported,
        imported.skipped.len()
    );
    imported.skipped.is_empty()
}

/// Prints a pool's key-length statistics, cue words and give-away pairs; returns the
/// number of warnings.
fn cueing_report(questions: &[crate::domain::pool::Question]) -> usize {
    use crate::domain::cueing;
    let mut warnings = 0;
    let stats = cueing::key_length(questions);
    if stats.items > 0 {
        println!(
            "    key length ({} classic items): strictly longest {} ({:.0}%), longest with ties {} ({:.0}%), strictly shortest {} ({:.0}%), chance {:.0}%",
            stats.items,
            stats.strictly_longest,
            stats.longest_share() * 100.0,
            stats.longest,
            cueing::KeyLength::share(stats.longest, stats.items) * 100.0,
            stats.strictly_shortest,
            stats.shortest_share() * 100.0,
            stats.chance * 100.0
        );
    }
    for w in stats.warnings() {
        println!("    warning: {w}");
        warnings += 1;
    }
    for cue in cueing::cue_words(questions) {
        println!("    warning: {}", cue.warning());
        warnings += 1;
    }
    for g in cueing::giveaways(questions) {
        println!(
            "    warning: {} may give away {}'s key ({}): reword one or make them enemies",
            g.by,
            g.answered,
            g.words.join(", ")
        );
        warnings += 1;
    }
    warnings
}

/// Reads the new administrator's password from `INVIGILATOR_ADMIN_PASSWORD`, else the first
/// line of standard input. Never from an argument: those show in `ps` and shell history.
pub fn read_admin_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("INVIGILATOR_ADMIN_PASSWORD") {
        return Ok(p);
    }
    eprintln!("Password for the new administrator (one line on standard input):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Splits "Given Names Family" at the last space.
fn split_name(name: &str) -> anyhow::Result<(PersonName, PersonName)> {
    let name = name.trim();
    let (given, family) = name
        .rsplit_once(char::is_whitespace)
        .context("--name must hold a given name and a family name, e.g. \"Ada Lovelace\"")?;
    let given = PersonName::parse(given).map_err(|e| anyhow::anyhow!("given name {e}"))?;
    let family = PersonName::parse(family).map_err(|e| anyhow::anyhow!("family name {e}"))?;
    Ok((given, family))
}

/// Creates a staff account holding `role` (an administrator, or an invigilator), its
/// e-mail address taken as verified.
pub async fn admin_create(
    settings: &Settings,
    email: &str,
    name: &str,
    role: Role,
    password: String,
) -> anyhow::Result<uuid::Uuid> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let (given, family) = split_name(name)?;
    let password = NewPassword::parse(password).map_err(|e| anyhow::anyhow!("the password {e}"))?;
    let db = crate::persistence::connect_and_migrate(&settings.database).await?;
    let hasher = PasswordHasher::new(&settings.auth)?;
    let account = NewAccount {
        email,
        given_name: given,
        family_name: family,
        roles: vec![role],
        email_verified: true,
    };
    Ok(accounts::create(&db, &hasher, &account, password, SystemClock.now()).await?)
}

/// Checks the audit ledger's chain from its first entry to its head: `(true, summary)`
/// when intact, `(false, where it breaks)` otherwise.
pub async fn audit_verify(settings: &Settings) -> anyhow::Result<(bool, String)> {
    let db = crate::persistence::connect_and_migrate(&settings.database).await?;
    Ok(match crate::app::audit::verify(&db).await? {
        crate::app::audit::Verified::Intact { entries, head } => (
            true,
            format!("audit ledger intact: {entries} entries, head {head}"),
        ),
        crate::app::audit::Verified::Broken(b) => (false, format!("AUDIT LEDGER BROKEN: {b}")),
    })
}

/// Verifies a signed certificate (from `GET /api/v1/certificates/{number}/signed`) against
/// published keys (from `GET /api/v1/certificates/keys`), with no server involved.
pub fn verify_certificate(document: &Path, keys: &Path) -> anyhow::Result<String> {
    let document: crate::signing::SignedCertificate = serde_json::from_slice(
        &std::fs::read(document).with_context(|| format!("cannot read {}", document.display()))?,
    )
    .context("the certificate file is not a signed certificate")?;
    let keys: crate::signing::Jwks = serde_json::from_slice(
        &std::fs::read(keys).with_context(|| format!("cannot read {}", keys.display()))?,
    )
    .context("the keys file is not a JWKS")?;
    crate::signing::verify(&document, &keys)?;
    // The expiry date is signed too: a verifier offline compares it with today.
    let expires = document
        .certificate
        .expires_on
        .as_ref()
        .map(|d| format!(", expiring on {d}"))
        .unwrap_or_default();
    Ok(format!(
        "valid signature: {} issued to {} for {} ({}) on {} by {}{expires}",
        document.certificate.number,
        document.certificate.holder_name,
        document.certificate.qualification_title,
        document.certificate.edition_title,
        document.certificate.issued_on,
        document.certificate.issuer
    ))
}

/// `invigilator config check`: the effective configuration with its secrets redacted, then
/// what is unsafe for production and what else an operator should know. Also loads the
/// pools and parses the signing key, as the server would at start-up. Returns the report
/// and whether it holds an unsafe finding.
pub fn config_check(settings: &Settings) -> anyhow::Result<(String, bool)> {
    use std::fmt::Write;

    use crate::config::review::{Finding, Severity, review};
    let mut out = format!(
        "# Effective configuration (config/base.toml, config/{}.toml, APP_… variables); secrets show as {}\n\n",
        settings.environment.as_ref(),
        crate::config::REDACTED
    );
    out.push_str(&toml::to_string(settings).context("cannot print the settings")?);
    let mut findings = review(settings);
    match load_catalog(&settings.pools.dir) {
        Err(problems) => findings.push(Finding {
            severity: Severity::Unsafe,
            setting: "APP_POOLS__DIR",
            message: format!(
                "{}: {} problem(s) in the pools (run `invigilator pools check`)",
                settings.pools.dir.display(),
                problems.len()
            ),
        }),
        Ok(catalog) => {
            let samples = catalog.sample_editions();
            if !samples.is_empty() {
                findings.push(Finding {
                    severity: Severity::Unsafe,
                    setting: "APP_POOLS__DIR",
                    message: format!(
                        "{} holds a published sample bank (edition {}): its keys are public; point it at your private item bank",
                        settings.pools.dir.display(),
                        samples.join(", ")
                    ),
                });
            }
        }
    }
    if settings.certificates.signing_key.is_some()
        && let Err(e) = crate::signing::CertificateSigner::from_settings(
            &settings.certificates,
            settings.environment,
        )
    {
        findings.push(Finding {
            severity: Severity::Unsafe,
            setting: "APP_CERTIFICATES__SIGNING_KEY",
            message: format!("{e:#}"),
        });
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let unsafe_count = findings
        .iter()
        .filter(|f| f.severity == Severity::Unsafe)
        .count();
    let _ = writeln!(
        out,
        "\n# Review for production: {unsafe_count} unsafe, {} note(s)",
        findings.len() - unsafe_count
    );
    for f in &findings {
        let _ = writeln!(out, "{:6} {}: {}", f.severity.label(), f.setting, f.message);
    }
    if findings.is_empty() {
        out.push_str("nothing to report\n");
    }
    Ok((out, unsafe_count > 0))
}
