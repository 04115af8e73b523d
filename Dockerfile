# Invigilator in a container: a build stage with the Rust toolchain, then a small final
# image with only what the server reads at run time: the binary, the configuration, the
# question pools and the fonts' licence (the fonts themselves are inside the binary).
#
#   docker build -t invigilator .
#   docker run -p 8000:8000 -v invigilator-data:/srv/invigilator/data \
#     -e APP_AUTH__JWT_SECRET=… -e APP_CERTIFICATES__SIGNING_KEY="$(cat signing-key.pem)" \
#     -e APP_EMAIL__PUBLIC_BASE_URL=https://exams.example.org -e APP_EMAIL__SMTP_HOST=… \
#     -e APP_POOLS__DIR=/srv/invigilator/bank invigilator
#
# The shipped pools are a public sample: mount your private item bank and point
# APP_POOLS__DIR at it (README, "Production checklist"). SQLite data lives on the volume
# /srv/invigilator/data; with PostgreSQL set APP_DATABASE__URL instead.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin invigilator \
 && strip target/release/invigilator

FROM debian:bookworm-slim
# CA certificates for SMTP over TLS; nothing else is installed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /srv/invigilator --shell /usr/sbin/nologin invigilator \
 && mkdir -p /srv/invigilator/data \
 && chown invigilator:invigilator /srv/invigilator/data
WORKDIR /srv/invigilator
COPY --from=build /src/target/release/invigilator /usr/local/bin/invigilator
COPY config ./config
COPY question-pools ./question-pools
COPY content ./content
COPY assets/fonts/LICENSE ./assets/fonts/LICENSE
USER invigilator:invigilator
ENV APP_ENVIRONMENT=production \
    APP_DATABASE__URL=sqlite:///srv/invigilator/data/invigilator.db?mode=rwc \
    APP_EMAIL__FILE_DIR=/srv/invigilator/data/outbox
VOLUME ["/srv/invigilator/data"]
EXPOSE 8000
# SIGTERM: the server stops accepting, finishes what is in flight and closes the database
# (README, "Graceful shutdown"); give it longer than server.shutdown_timeout_seconds.
STOPSIGNAL SIGTERM
CMD ["invigilator", "serve"]
