//! The mailer: one small interface over lettre with SMTP (production), file (.eml files,
//! for local development) and in-memory (tests) transports. It only sends; what is sent,
//! and when, is the outbox's and the notifications use case's business (requests queue
//! mail in their own transaction and `app::notifications::deliver_due` sends it later).

use std::sync::{Arc, Mutex};

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{EmailSettings, EmailTransport, SmtpTls};

/// An e-mail to send: plain text and HTML of the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Memory(Arc<Mutex<Vec<Message>>>),
}

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    pub public_base_url: String,
    pub max_attempts: u32,
}

impl Mailer {
    pub fn new(settings: &EmailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("email.from is not an address: {e}"))?;
        let transport = match settings.transport {
            EmailTransport::Smtp => {
                let mut builder = match settings.smtp_tls {
                    SmtpTls::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp_host)
                    }
                    SmtpTls::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.smtp_host)?
                    }
                    SmtpTls::Tls => {
                        AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.smtp_host)?
                    }
                }
                .port(settings.smtp_port)
                .timeout(Some(std::time::Duration::from_secs(10)));
                if let (Some(user), Some(password)) =
                    (&settings.smtp_username, &settings.smtp_password)
                {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        password.expose_secret().to_owned(),
                    ));
                }
                Transport::Smtp(builder.build())
            }
            EmailTransport::File => {
                std::fs::create_dir_all(&settings.file_dir)?;
                Transport::File(AsyncFileTransport::new(&settings.file_dir))
            }
            EmailTransport::Memory => Transport::Memory(Arc::default()),
        };
        Ok(Self {
            transport,
            from,
            public_base_url: settings.public_base_url.trim_end_matches('/').to_owned(),
            max_attempts: settings.max_attempts.max(1),
        })
    }

    /// Messages kept by the in-memory transport.
    pub fn sent_in_memory(&self) -> Vec<Message> {
        match &self.transport {
            Transport::Memory(kept) => kept.lock().map(|m| m.clone()).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The message with its `Message-ID`: `<key@sender's domain>` when a key is given
    /// (the same on every attempt, so a copy sent again after a crash is recognisably
    /// the same message), else a random one.
    fn build(&self, email: &OutgoingEmail, key: Option<&str>) -> anyhow::Result<Message> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| anyhow::anyhow!("recipient is not an address: {e}"))?;
        let body = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .message_id(key.map(|k| format!("<{k}@{}>", self.from.email.domain())));
        if email.attachments.is_empty() {
            return Ok(builder.multipart(body)?);
        }
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in &email.attachments {
            let content_type = ContentType::parse(&a.content_type)
                .map_err(|e| anyhow::anyhow!("attachment type: {e}"))?;
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(a.filename.clone())
                    .body(a.bytes.clone(), content_type),
            );
        }
        Ok(builder.multipart(mixed)?)
    }

    pub async fn send(&self, email: &OutgoingEmail) -> anyhow::Result<()> {
        self.send_keyed(email, None).await
    }

    /// Sends `email` with a `Message-ID` made from `key` (an outbox message's id).
    pub async fn send_keyed(&self, email: &OutgoingEmail, key: Option<&str>) -> anyhow::Result<()> {
        let message = self.build(email, key)?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::File(t) => {
                t.send(message).await?;
            }
            Transport::Memory(kept) => kept
                .lock()
                .map_err(|_| anyhow::anyhow!("mailbox poisoned"))?
                .push(message),
        }
        Ok(())
    }
}

/// Escapes text for HTML bodies.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_in_html() {
        assert_eq!(
            html_escape("<b>O'Brien & co</b>"),
            "&lt;b&gt;O&#39;Brien &amp; co&lt;/b&gt;"
        );
    }

    #[tokio::test]
    async fn the_memory_transport_keeps_a_two_part_message() {
        let settings = EmailSettings {
            transport: EmailTransport::Memory,
            from: "Invigilator <no-reply@example.org>".into(),
            public_base_url: "http://x/".into(),
            file_dir: std::env::temp_dir(),
            smtp_host: "localhost".into(),
            smtp_port: 25,
            smtp_tls: SmtpTls::None,
            smtp_username: None,
            smtp_password: None,
            deliver_interval_seconds: 5,
            max_attempts: 3,
            invitation_days: 7,
        };
        let mailer = Mailer::new(&settings).expect("mailer");
        mailer
            .send(&OutgoingEmail {
                to: "zoë@example.org".into(),
                subject: "Hello".into(),
                text: "plain".into(),
                html: "<p>html</p>".into(),
                attachments: vec![Attachment {
                    filename: "a.pdf".into(),
                    content_type: "application/pdf".into(),
                    bytes: b"%PDF-1.7".to_vec(),
                }],
            })
            .await
            .expect("sent");
        let kept = mailer.sent_in_memory();
        assert_eq!(kept.len(), 1);
        let raw = String::from_utf8_lossy(&kept[0].formatted()).to_string();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("multipart/mixed") && raw.contains("a.pdf"));
        assert!(raw.contains("multipart/mixed") && raw.contains("a.pdf"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        assert_eq!(mailer.public_base_url, "http://x");
    }

    #[tokio::test]
    async fn the_file_transport_writes_an_eml_file_for_local_development() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = EmailSettings {
            transport: EmailTransport::File,
            from: "Invigilator <no-reply@example.org>".into(),
            public_base_url: "http://x".into(),
            file_dir: dir.path().join("outbox"),
            smtp_host: "localhost".into(),
            smtp_port: 25,
            smtp_tls: SmtpTls::None,
            smtp_username: None,
            smtp_password: None,
            deliver_interval_seconds: 5,
            max_attempts: 3,
            invitation_days: 7,
        };
        let mailer = Mailer::new(&settings).expect("mailer");
        let email = OutgoingEmail {
            to: "ana@example.org".into(),
            subject: "Local".into(),
            text: "plain body".into(),
            html: "<p>html</p>".into(),
            attachments: Vec::new(),
        };
        mailer.send(&email).await.expect("written");
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .expect("the folder exists")
            .filter_map(|e| e.ok())
            .collect();
        assert_eq!(files.len(), 1);
        assert!(files[0].path().extension().is_some_and(|x| x == "eml"));
        let raw = std::fs::read_to_string(files[0].path()).expect("readable");
        assert!(raw.contains("To: ana@example.org") && raw.contains("Subject: Local"));
    }
}
