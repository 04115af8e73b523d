//! How each use case's errors answer over the API: one mapping per error enum, so every
//! handler that calls the use case answers the same status and problem type.

use actix_web::http::StatusCode;

use super::problem::ApiError;
use crate::app::accounts::{
    AdministerError, CreateAccountError, LinkError, ProfileError, SessionError,
};
use crate::app::atos::{AcceptError, AtoError};
use crate::app::certificates::CertificateError;
use crate::app::courses::CourseError;
use crate::app::evidence::EvidenceError;
use crate::app::materials::MaterialError;
use crate::app::sittings::{ExtendError, ReadSittingError};
use crate::app::throttle::Throttled;
use crate::domain::ato::RosterError;
use crate::domain::fields::FieldErrors;

/// 429 with `Retry-After`.
fn throttled(t: Throttled) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", t.to_string())
        .with_retry_after(t.0)
}

/// 503 with `Retry-After`: the password-hashing queue is full.
fn busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "the server is busy checking passwords; try again shortly",
    )
    .with_retry_after(2)
}

impl From<CreateAccountError> for ApiError {
    fn from(e: CreateAccountError) -> Self {
        match e {
            CreateAccountError::EmailTaken => ApiError::conflict("email-taken", e.to_string()),
            CreateAccountError::Throttled(t) => throttled(t),
            CreateAccountError::Busy => busy(),
            CreateAccountError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::BadCredentials | SessionError::RefreshRefused | SessionError::Ended => {
                ApiError::unauthorized(e.to_string())
            }
            SessionError::Disabled => ApiError::forbidden(e.to_string()),
            SessionError::Throttled(t) => throttled(t),
            SessionError::Busy => busy(),
            SessionError::WrongCurrentPassword => {
                ApiError::invalid("current_password", "is not your current password")
            }
            SessionError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(e: ProfileError) -> Self {
        match e {
            ProfileError::Gone => ApiError::unauthorized(e.to_string()),
            ProfileError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<AtoError> for ApiError {
    fn from(e: AtoError) -> Self {
        match e {
            AtoError::NotStaff => ApiError::forbidden(e.to_string()),
            AtoError::NoSuchAto | AtoError::NoSuchAccreditation => {
                ApiError::not_found(e.to_string())
            }
            AtoError::NotActive => ApiError::conflict("not-active", e.to_string()),
            AtoError::HasAccount => ApiError::conflict("has-account", e.to_string()),
            AtoError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<AcceptError> for ApiError {
    fn from(e: AcceptError) -> Self {
        match e {
            AcceptError::Invalid => {
                ApiError::new(StatusCode::GONE, "invitation-invalid", e.to_string())
            }
            AcceptError::NamesRequired => {
                let mut errors = FieldErrors::new();
                errors.add("given_name", "is required");
                errors.add("family_name", "is required");
                ApiError::invalid_fields(errors)
            }
            AcceptError::HasAccount => ApiError::conflict("has-account", e.to_string()),
            AcceptError::Throttled(t) => throttled(t),
            AcceptError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<CourseError> for ApiError {
    fn from(e: CourseError) -> Self {
        match e {
            CourseError::NotStaff => ApiError::forbidden(e.to_string()),
            CourseError::NoSuchCourse | CourseError::NoSuchEnrolment => {
                ApiError::not_found(e.to_string())
            }
            CourseError::TooEarly(m) => ApiError::conflict("too-early", m),
            CourseError::NotAccredited(m) => ApiError::conflict("not-accredited", m),
            CourseError::NotAccepted => ApiError::conflict("enrolment-not-accepted", e.to_string()),
            CourseError::Throttled(t) => throttled(t),
            CourseError::LinkInvalid => {
                ApiError::new(StatusCode::GONE, "invitation-invalid", e.to_string())
            }
            CourseError::NoSuchAto => ApiError::not_found(e.to_string()),
            CourseError::Invalid(errors) => ApiError::invalid_fields(errors),
            CourseError::Roster(
                e @ (RosterError::NotUtf8 | RosterError::BadHeader | RosterError::TooManyRows(_)),
            ) => ApiError::invalid("file", e.to_string()),
            CourseError::NotACandidate => ApiError::conflict("not-a-candidate", e.to_string()),
            CourseError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<EvidenceError> for ApiError {
    fn from(e: EvidenceError) -> Self {
        match e {
            EvidenceError::NotFound | EvidenceError::NoSuchCandidate => {
                ApiError::not_found(e.to_string())
            }
            EvidenceError::AlreadyDecided => ApiError::conflict("already-decided", e.to_string()),
            EvidenceError::TooManyPending => ApiError::conflict("too-many-pending", e.to_string()),
            EvidenceError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<CertificateError> for ApiError {
    fn from(e: CertificateError) -> Self {
        match e {
            CertificateError::NotFound => ApiError::not_found(e.to_string()),
            CertificateError::NotAllowed(m) => ApiError::conflict("status-not-allowed", m),
            CertificateError::Throttled(t) => throttled(t),
            CertificateError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<ReadSittingError> for ApiError {
    fn from(e: ReadSittingError) -> Self {
        match e {
            ReadSittingError::NotFound => ApiError::not_found(e.to_string()),
            ReadSittingError::InProgress { deadline } => {
                ApiError::conflict("sitting-in-progress", e.to_string()).with(
                    "deadline",
                    deadline
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                )
            }
            ReadSittingError::Voided => ApiError::conflict("sitting-voided", e.to_string()).with(
                "sitting_status",
                crate::domain::sitting::SittingStatus::Voided,
            ),
            ReadSittingError::OtherDevice => ApiError::conflict("other-device", e.to_string()),
            ReadSittingError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<AdministerError> for ApiError {
    fn from(e: AdministerError) -> Self {
        match e {
            AdministerError::NotFound => ApiError::not_found(e.to_string()),
            AdministerError::OwnAccount => ApiError::conflict("own-account", e.to_string()),
            AdministerError::Erased => ApiError::conflict("erased", e.to_string()),
            AdministerError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::Invalid => ApiError::new(StatusCode::GONE, "link-invalid", e.to_string()),
            LinkError::AlreadyVerified => ApiError::conflict("already-verified", e.to_string()),
            LinkError::Throttled(t) => throttled(t),
            LinkError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<ExtendError> for ApiError {
    fn from(e: ExtendError) -> Self {
        match e {
            ExtendError::NotFound => ApiError::not_found(e.to_string()),
            ExtendError::Closed => ApiError::conflict("sitting-closed", e.to_string()),
            ExtendError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<crate::app::audit::TrailError> for ApiError {
    fn from(e: crate::app::audit::TrailError) -> Self {
        use crate::app::audit::TrailError;
        match e {
            TrailError::NotFound => ApiError::not_found(e.to_string()),
            TrailError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<MaterialError> for ApiError {
    fn from(e: MaterialError) -> Self {
        match e {
            MaterialError::NotStaff => ApiError::forbidden(e.to_string()),
            MaterialError::NotFound => {
                ApiError::not_found("no such course, qualification or material of yours")
            }
            MaterialError::Invalid(errors) => ApiError::invalid_fields(errors),
            MaterialError::UnsupportedType(m) => ApiError::for_field(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "file",
                m,
            ),
            MaterialError::TooLarge(limit) => too_large_file(limit),
            MaterialError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

/// 413 naming the `file` field.
pub fn too_large_file(limit: usize) -> ApiError {
    ApiError::for_field(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "file",
        format!("must be at most {limit} bytes"),
    )
}
