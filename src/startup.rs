//! Builds the application: loads and checks the pools, connects and migrates the
//! database, builds the state, binds the listener (port 0 in tests), mounts the front
//! doors, and runs the server with its background workers.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;
use secrecy::ExposeSecret;
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
    spans::RouteSpans,
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
            retention: settings.retention.clone(),
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
                .wrap(actix_web::middleware::from_fn(headers::secure))
                .wrap(actix_web::middleware::from_fn(metrics::count))
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
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the server stops, closing overdue sittings and sending queued e-mail
    /// in the background.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let sweeper = tokio::spawn(workers::sweep_forever(
            self.state.clone(),
            self.sweep_interval,
        ));
        let postman = tokio::spawn(workers::deliver_forever(
            self.state.clone(),
            self.deliver_interval,
        ));
        let result = self.server.await;
        sweeper.abort();
        postman.abort();
        result
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

async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/api/docs/"))
        .finish()
}
