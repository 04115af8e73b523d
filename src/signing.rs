//! Ed25519 signatures over certificate fields, and the published public keys (a JWKS,
//! with key ids so keys can rotate). `verify` needs only the published keys, so anyone
//! can check a certificate offline (`invigilator certificates verify`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::{CertificateSettings, Environment};
use crate::domain::certificate::SignedFields;

/// One published key, as a JSON Web Key (RFC 8037, OKP / Ed25519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

fn jwk(kid: &str, x: &str) -> Jwk {
    Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        alg: "EdDSA".into(),
        use_: "sig".into(),
        kid: kid.into(),
        x: x.into(),
    }
}

#[derive(Clone)]
pub struct CertificateSigner {
    key: SigningKey,
    pub kid: String,
    published: Jwks,
}

impl CertificateSigner {
    /// The configured key; in production a missing key stops the server, elsewhere a
    /// throwaway key is generated (certificates signed with it will not verify later).
    pub fn from_settings(
        settings: &CertificateSettings,
        environment: Environment,
    ) -> anyhow::Result<Self> {
        let key = match &settings.signing_key {
            Some(pem) => SigningKey::from_pkcs8_pem(pem.expose_secret()).map_err(|e| {
                anyhow::anyhow!(
                    "APP_CERTIFICATES__SIGNING_KEY is not an Ed25519 PKCS#8 PEM key: {e}"
                )
            })?,
            None if environment == Environment::Production => {
                anyhow::bail!("APP_CERTIFICATES__SIGNING_KEY must be set in production")
            }
            None => {
                tracing::warn!(
                    "no certificate signing key configured: using a throwaway key; certificates issued now will not verify after a restart"
                );
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                SigningKey::from_bytes(&bytes)
            }
        };
        let mut published = vec![jwk(
            &settings.key_id,
            &URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()),
        )];
        published.extend(settings.previous_keys.iter().map(|k| jwk(&k.kid, &k.x)));
        Ok(Self {
            key,
            kid: settings.key_id.clone(),
            published: Jwks { keys: published },
        })
    }

    /// The signature of `fields`, base64url.
    pub fn sign(&self, fields: &SignedFields) -> String {
        URL_SAFE_NO_PAD.encode(self.key.sign(&fields.signing_bytes()).to_bytes())
    }

    pub fn jwks(&self) -> &Jwks {
        &self.published
    }

    /// The signing key as PKCS#8 DER, for signing credentials (VC-JWT, EdDSA).
    pub fn pkcs8_der(&self) -> anyhow::Result<Vec<u8>> {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        Ok(self
            .key
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .as_bytes()
            .to_vec())
    }
}

/// A certificate as handed out for offline checking: its fields, signature and key id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedCertificate {
    pub certificate: SignedFields,
    /// The key that signed it (see the published keys).
    pub kid: String,
    /// Ed25519 over the compact JSON of `certificate`, base64url.
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("no published key has id {0}")]
    UnknownKey(String),
    #[error("the published key {0} is malformed")]
    BadKey(String),
    #[error("the signature is malformed")]
    BadSignature,
    #[error(
        "the signature does not match the certificate's fields: it has been altered or was not issued by this body"
    )]
    Mismatch,
}

/// Checks a signed certificate against published keys. Needs nothing else.
pub fn verify(document: &SignedCertificate, keys: &Jwks) -> Result<(), VerifyError> {
    let key = keys
        .keys
        .iter()
        .find(|k| k.kid == document.kid)
        .ok_or_else(|| VerifyError::UnknownKey(document.kid.clone()))?;
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&key.x)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| VerifyError::BadKey(key.kid.clone()))?;
    let public =
        VerifyingKey::from_bytes(&bytes).map_err(|_| VerifyError::BadKey(key.kid.clone()))?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(&document.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VerifyError::BadSignature)?;
    public
        .verify_strict(
            &document.certificate.signing_bytes(),
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| VerifyError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CertificateSettings {
        CertificateSettings {
            issuer: "Test Body".into(),
            key_id: "k1".into(),
            signing_key: None,
            previous_keys: vec![],
            verification_per_minute: 30,
        }
    }

    fn fields() -> SignedFields {
        SignedFields {
            number: "I20F-2026-000001-X".into(),
            holder_name: "Zoë O'Brien-Łukasiewicz".into(),
            qualification: "iso20000-foundation".into(),
            qualification_title: "ISO/IEC 20000 Foundation".into(),
            edition: "2011".into(),
            edition_title: "ISO/IEC 20000-1:2011".into(),
            issued_on: "2026-11-21".into(),
            sitting_id: "s".into(),
            issuer: "Test Body".into(),
            expires_on: None,
        }
    }

    #[test]
    fn a_signed_certificate_verifies_with_the_published_key_and_fails_when_altered() {
        let signer =
            CertificateSigner::from_settings(&settings(), Environment::Test).expect("signer");
        let mut document = SignedCertificate {
            certificate: fields(),
            kid: signer.kid.clone(),
            signature: signer.sign(&fields()),
        };
        assert_eq!(verify(&document, signer.jwks()), Ok(()));
        document.certificate.holder_name = "Mallory".into();
        assert_eq!(verify(&document, signer.jwks()), Err(VerifyError::Mismatch));
    }

    #[test]
    fn another_key_or_an_unknown_key_id_does_not_verify() {
        let ours =
            CertificateSigner::from_settings(&settings(), Environment::Test).expect("signer");
        let theirs =
            CertificateSigner::from_settings(&settings(), Environment::Test).expect("signer");
        let forged = SignedCertificate {
            certificate: fields(),
            kid: "k1".into(),
            signature: theirs.sign(&fields()),
        };
        assert_eq!(verify(&forged, ours.jwks()), Err(VerifyError::Mismatch));
        let unknown = SignedCertificate {
            kid: "nope".into(),
            ..forged
        };
        assert_eq!(
            verify(&unknown, ours.jwks()),
            Err(VerifyError::UnknownKey("nope".into()))
        );
    }

    #[test]
    fn production_refuses_to_start_without_a_key_and_a_configured_key_is_used() {
        assert!(CertificateSigner::from_settings(&settings(), Environment::Production).is_err());
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
        let configured = CertificateSettings {
            signing_key: Some(pem.to_owned().into()),
            ..settings()
        };
        let a =
            CertificateSigner::from_settings(&configured, Environment::Production).expect("signer");
        let b =
            CertificateSigner::from_settings(&configured, Environment::Production).expect("signer");
        assert_eq!(a.jwks(), b.jwks(), "the same key every start");
    }
}
