//! Builds the application: loads and checks the pools, connects and migrates the
//! database, builds the state, binds the listener (port 0 in tests), mounts the front
//! doors, and runs the server with its background workers.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{
    password::PasswordHasher,
    tokens::{self, TokenService},
};
use crate::clock::{Clock, OffsetFileClock, SystemClock};
use crate::config::{Environment, Settings};
use crate::email::Mailer;
use crate::http::TrustedProxies;
use crate::persistence::{self, answer_writer::AnswerWriter};
use crate::pools::load_pools;
use crate::routes::{
    self,
    headers::{self, Hsts},
    json::JsonLimit,
    metrics::{self, MetricsAccess},
    problem,
    spans::{self, RouteSpans},
};
use crate::signing::CertificateSigner;
use crate::state::{AppState, FactsCache};
use crate::web as web_pages;
use crate::workers;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    sweep_interval: std::time::Duration,
    deliver_interval: std::time::Duration,
    shutdown_timeout: std::time::Duration,
    shutdown_drain: std::time::Duration,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let clock: Arc<dyn Clock> = match &settings.sittings.test_clock_file {
            Some(_) if settings.environment == Environment::Production => {
                anyhow::bail!(
                    "APP_SITTINGS__TEST_CLOCK_FILE is set: a movable clock is for browser tests only and is refused in production"
                );
            }
            Some(file) => {
                tracing::warn!(file = %file.display(), "the clock follows a test offset file");
                Arc::new(OffsetFileClock(file.clone()))
            }
            None => Arc::new(SystemClock),
        };
        Self::build_with_clock(settings, clock).await
    }

    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let catalog = load_pools(&settings)?;
        let db = persistence::connect_and_migrate(&settings.database).await?;
        if settings.environment == Environment::Production
            && !settings.email.public_base_url.starts_with("https://")
        {
            anyhow::bail!(
                "APP_EMAIL__PUBLIC_BASE_URL is {}: in production the public address must be https (links in e-mails and on certificates carry tokens and codes)",
                settings.email.public_base_url
            );
        }
        let secret = match &settings.auth.jwt_secret {
            Some(secret)
                if settings.environment == Environment::Production
                    && secret.expose_secret().len() < 32 =>
            {
                anyhow::bail!(
                    "APP_AUTH__JWT_SECRET is shorter than 32 bytes: in production use at least 32 random bytes"
                );
            }
            Some(secret) => secret.clone(),
            None if settings.environment == Environment::Production => {
                anyhow::bail!("APP_AUTH__JWT_SECRET must be set in production");
            }
            None => {
                tracing::warn!(
                    "no JWT secret configured: using a random one; tokens will not survive a restart"
                );
                tokens::random_secret()
            }
        };
        let answers = AnswerWriter::start(
            db.clone(),
            clock.clone(),
            if settings.database.is_sqlite() { 1 } else { 4 },
        );
        let state = web::Data::new(AppState {
            answers,
            sitting_facts: FactsCache::new(50_000),
            db,
            catalog: Arc::new(catalog),
            signer: CertificateSigner::from_settings(&settings.certificates, settings.environment)?,
            issuer_name: settings.certificates.issuer.clone(),
            clock,
            tokens: TokenService::new(&settings.auth, &secret),
            passwords: PasswordHasher::new(&settings.auth)?.with_queue_wait(
                std::time::Duration::from_millis(settings.throttle.hash_queue_wait_ms.max(1)),
            ),
            mailer: Mailer::new(&settings.email)?,
            invitation_ttl: time::Duration::days(settings.email.invitation_days.max(1)),
            reset_ttl: time::Duration::minutes(settings.auth.password_reset_minutes.max(5)),
            require_verified_email: settings.auth.require_verified_email,
            throttle: settings.throttle.clone(),
            verification_per_minute: settings.certificates.verification_per_minute,
            statistics: settings.statistics.clone(),
            shutdown: CancellationToken::new(),
            retention: settings.retention.clone(),
            content_dir: settings.portal.content_dir.clone(),
            materials: settings.materials.clone(),
            study_guides: Default::default(),
        });
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| {
                format!(
                    "cannot listen on {}:{}",
                    settings.server.host, settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let json_limit = web::Data::new(JsonLimit(settings.server.json_limit_bytes));
        let hsts = web::Data::new(Hsts(settings.email.public_base_url.starts_with("https://")));
        let proxies = web::Data::new(TrustedProxies(settings.server.trusted_proxies.clone()));
        let metrics_access = web::Data::new(MetricsAccess(settings.server.metrics_token.clone()));
        crate::telemetry::metrics();
        let openapi = routes::openapi::document(&state.catalog);
        let known_paths = web::Data::new(problem::KnownPaths::new(routes::openapi::path_methods(
            &openapi,
        )));
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(audit_client))
                .wrap(actix_web::middleware::from_fn(close_when_shutting_down))
                .wrap(actix_web::middleware::from_fn(headers::secure))
                .wrap(actix_web::middleware::from_fn(metrics::count))
                .wrap(actix_web::middleware::from_fn(spans::log_request))
                .wrap(TracingLogger::<RouteSpans>::new())
                .app_data(hsts.clone())
                .app_data(proxies.clone())
                .app_data(metrics_access.clone())
                .app_data(app_state.clone())
                .app_data(json_limit.clone())
                .app_data(known_paths.clone())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    problem::ApiError::bad_request(format!("the query string does not parse: {e}"))
                        .into()
                }))
                .service(routes::public::health::health)
                .service(routes::public::health::ready)
                .service(metrics::scrape)
                .configure(routes::api_v1)
                .configure(web_pages::configure)
                .route("/api/docs", web::get().to(docs_redirect))
                .service(
                    SwaggerUi::new("/api/docs/{_:.*}")
                        .external_url_unchecked("/api/openapi.json", openapi.clone()),
                )
                .default_service(web::route().to(problem::not_found))
        })
        // Signals are handled in `run_until_stopped`, which stops the server itself.
        .disable_signals()
        .shutdown_timeout(settings.server.shutdown_timeout_seconds)
        .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            state,
            sweep_interval: std::time::Duration::from_secs(
                settings.sittings.sweep_interval_seconds.max(1),
            ),
            deliver_interval: std::time::Duration::from_secs(
                settings.email.deliver_interval_seconds.max(1),
            ),
            shutdown_timeout: std::time::Duration::from_secs(
                settings.server.shutdown_timeout_seconds,
            ),
            shutdown_drain: std::time::Duration::from_secs(settings.server.shutdown_drain_seconds),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Begins a graceful shutdown, as SIGTERM does.
    pub fn shutdown(&self) -> CancellationToken {
        self.state.shutdown.clone()
    }

    /// Serves until a shutdown, closing overdue sittings and sending queued e-mail in
    /// the background. SIGTERM or SIGINT (or cancelling [`Application::shutdown`])
    /// shuts down gracefully: readiness answers 503 (for `server.shutdown_drain_seconds`
    /// the server goes on serving, closing each connection after its answer, so a load
    /// balancer can take it out first), the listener closes, the requests in
    /// flight get up to `server.shutdown_timeout_seconds` to finish (idle connections
    /// close at once), the sweeper and the outbox worker stop after the item they are on,
    /// every save queued for the answer writer is committed or fails, and the database
    /// pool is closed. A second signal closes the connections still open without waiting.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let shutdown = state.shutdown.clone();
        let handle = self.server.handle();
        let sweeper = tokio::spawn(workers::sweep_forever(state.clone(), self.sweep_interval));
        let postman = tokio::spawn(workers::deliver_forever(
            state.clone(),
            self.deliver_interval,
        ));
        let force = CancellationToken::new();
        let signals = tokio::spawn(stop_on_signals(shutdown.clone(), force.clone()));
        let mut server = tokio::spawn(self.server);
        let abort_server = server.abort_handle();
        let served = tokio::select! {
            served = &mut server => Some(served),
            () = shutdown.cancelled() => None,
        };
        let began = std::time::Instant::now();
        let served = match served {
            // The server stopped on its own (it failed): the rest shuts down with it.
            Some(served) => {
                shutdown.cancel();
                served
            }
            None => {
                if !self.shutdown_drain.is_zero() {
                    tracing::info!(
                        drain_seconds = self.shutdown_drain.as_secs(),
                        "shutting down: readiness answers 503; still serving (each connection closed after its answer) while load balancers take this server out"
                    );
                    tokio::select! {
                        () = tokio::time::sleep(self.shutdown_drain) => {}
                        () = force.cancelled() => {}
                    }
                }
                tracing::info!(
                    timeout_seconds = self.shutdown_timeout.as_secs(),
                    "shutting down: no new connections; the requests in flight may finish"
                );
                let graceful = async {
                    let (_, served) = tokio::join!(handle.stop(true), &mut server);
                    served
                };
                let served = tokio::select! {
                    served = graceful => served,
                    () = force.cancelled() => {
                        // Dropping the server closes every connection at once.
                        abort_server.abort();
                        Ok(Ok(()))
                    }
                };
                tracing::info!(
                    seconds = began.elapsed().as_secs_f64(),
                    "HTTP server stopped"
                );
                served
            }
        };
        signals.abort();
        // The workers stopped at their next item; one still in an SMTP conversation or a
        // transaction has what is left of the bound to finish it. One that overruns is
        // left to the end of the process (a message it claimed is sent again once its
        // lease runs out; a close it had begun is rolled back and done by the next sweep).
        let deadline = tokio::time::Instant::from_std(began)
            + self.shutdown_drain
            + self.shutdown_timeout.max(std::time::Duration::from_secs(1));
        for (name, worker) in [("sweeper", sweeper), ("outbox delivery", postman)] {
            if tokio::time::timeout_at(deadline, worker).await.is_err() {
                tracing::warn!(
                    worker = name,
                    "a background worker was still busy at the end of the shutdown timeout"
                );
            }
        }
        state.answers.close().await;
        let closed = state.db.clone().close().await;
        let served = served.map_err(anyhow::Error::from).and_then(|r| Ok(r?));
        match (&served, &closed) {
            (Ok(()), Ok(())) => {
                tracing::info!(seconds = began.elapsed().as_secs_f64(), "shutdown complete")
            }
            _ => tracing::error!(
                server = ?served.as_ref().err(),
                database = ?closed.as_ref().err(),
                "shutdown complete, with errors"
            ),
        }
        served?;
        closed.context("closing the database pool")?;
        Ok(())
    }
}

/// Begins the shutdown at the first SIGTERM or SIGINT; at a second one, `force`s it:
/// the requests still in flight are not waited for.
async fn stop_on_signals(shutdown: CancellationToken, force: CancellationToken) {
    let Some(first) = signal().await else {
        return;
    };
    tracing::info!(signal = first, "signal received");
    shutdown.cancel();
    if let Some(second) = signal().await {
        tracing::warn!(
            signal = second,
            "second signal: closing the connections still open without waiting"
        );
        force.cancel();
    }
}

/// The next SIGTERM or SIGINT, by name; `None` if they cannot be listened for.
async fn signal() -> Option<&'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(term), Ok(int)) => (term, int),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "cannot listen for SIGTERM and SIGINT");
            return None;
        }
    };
    tokio::select! {
        _ = term.recv() => Some("SIGTERM"),
        _ = int.recv() => Some("SIGINT"),
    }
}

/// Serves each request with its client's address known to the audit ledger.
async fn audit_client(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let client = crate::http::client_address(req.request());
    crate::app::audit::with_client(client, next.call(req)).await
}

/// Once a shutdown has begun, each answer closes its connection: the client's next
/// request opens a new one, which a load balancer sends to another server.
async fn close_when_shutting_down(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let stopping = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.shutdown.is_cancelled());
    let mut res = next.call(req).await?;
    if stopping {
        res.response_mut()
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
    }
    Ok(res)
}

async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/api/docs/"))
        .finish()
}
