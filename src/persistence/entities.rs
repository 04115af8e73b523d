//! Table mappings. One module per table; see `migrations/` for the schema.

pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub password_hash: String,
        pub given_name: String,
        pub family_name: String,
        pub created_at: TimeDateTimeWithTimeZone,
        pub token_version: i32,
        pub disabled_at: Option<TimeDateTimeWithTimeZone>,
        #[sea_orm(column_type = "Text", nullable)]
        pub disabled_reason: Option<String>,
        pub disabled_by: Option<Uuid>,
        pub email_verified_at: Option<TimeDateTimeWithTimeZone>,
        /// When the holder's personal data was erased at their request.
        pub erased_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user_roles {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_roles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub role: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod refresh_tokens {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refresh_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub family_id: Uuid,
        pub token_hash: String,
        pub created_at: TimeDateTimeWithTimeZone,
        pub expires_at: TimeDateTimeWithTimeZone,
        pub revoked_at: Option<TimeDateTimeWithTimeZone>,
        pub session_started_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sittings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sittings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub candidate_id: Uuid,
        pub qualification_code: String,
        pub edition: String,
        pub pool_hash: String,
        pub seed: i64,
        pub status: String,
        pub started_at: TimeDateTimeWithTimeZone,
        pub deadline: TimeDateTimeWithTimeZone,
        pub duration_minutes: i32,
        pub extra_time_percent: i32,
        #[sea_orm(column_type = "Text")]
        pub paper: String,
        pub max_score: i32,
        pub pass_mark: i32,
        pub closed_at: Option<TimeDateTimeWithTimeZone>,
        pub closed_reason: Option<String>,
        pub score: Option<i32>,
        pub passed: Option<bool>,
        #[sea_orm(column_type = "Text", nullable)]
        pub breakdown: Option<String>,
        /// The version of the qualification's key that scored the sitting (0: as shipped).
        pub key_version: Option<i32>,
        pub session_id: Option<Uuid>,
        pub paused_at: Option<TimeDateTimeWithTimeZone>,
        pub last_seen_at: Option<TimeDateTimeWithTimeZone>,
        /// The SHA-256 of the token of the device an invigilated sitting is bound to.
        pub device_hash: Option<String>,
        pub device_bound_at: Option<TimeDateTimeWithTimeZone>,
        /// When another device last tried to open it (cleared by a release).
        pub device_refused_at: Option<TimeDateTimeWithTimeZone>,
        /// When the retention period (or an erasure) removed its responses and items.
        pub content_removed_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod answers {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "answers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sitting_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub number: i32,
        #[sea_orm(column_type = "Text")]
        pub response: String,
        pub saved_at: TimeDateTimeWithTimeZone,
        /// The page that sent the answer and its sequence number there, for a save from
        /// the web page; none for a save through the API.
        pub client_id: Option<String>,
        pub client_seq: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod evidence {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evidence")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub candidate_id: Uuid,
        pub kind: String,
        pub credential: Option<String>,
        pub issuer: Option<String>,
        pub certificate_number: Option<String>,
        pub issued_on: Option<TimeDate>,
        pub years: Option<i32>,
        #[sea_orm(column_type = "Text", nullable)]
        pub description: Option<String>,
        pub status: String,
        pub submitted_at: TimeDateTimeWithTimeZone,
        pub decided_by: Option<Uuid>,
        pub decided_at: Option<TimeDateTimeWithTimeZone>,
        #[sea_orm(column_type = "Text", nullable)]
        pub decision_reason: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod extra_time_grants {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "extra_time_grants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub candidate_id: Uuid,
        pub percent: i32,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        pub granted_by: Uuid,
        pub granted_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod atos {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "atos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub country: String,
        pub contact_email: String,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod accreditations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "accreditations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub ato_id: Uuid,
        pub qualification_code: String,
        pub valid_from: TimeDate,
        pub valid_until: TimeDate,
        pub ended_on: Option<TimeDate>,
        pub status: String,
        pub status_reason: Option<String>,
        pub status_changed_by: Option<Uuid>,
        pub status_changed_at: Option<TimeDateTimeWithTimeZone>,
        pub created_by: Uuid,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod ato_staff {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ato_staff")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub ato_id: Uuid,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invitations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invitations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub kind: String,
        pub ato_id: Option<Uuid>,
        pub user_id: Option<Uuid>,
        pub token_hash: String,
        pub created_by: Option<Uuid>,
        pub created_at: TimeDateTimeWithTimeZone,
        pub expires_at: TimeDateTimeWithTimeZone,
        pub accepted_at: Option<TimeDateTimeWithTimeZone>,
        pub enrolment_id: Option<Uuid>,
        pub certification_body_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod courses {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "courses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub ato_id: Uuid,
        pub qualification_code: String,
        pub title: String,
        pub starts_on: TimeDate,
        pub ends_on: TimeDate,
        pub delivery: String,
        pub trainer_name: String,
        pub created_by: Uuid,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod enrolments {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "enrolments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub course_id: Uuid,
        pub candidate_id: Uuid,
        pub enrolled_by: Uuid,
        pub enrolled_at: TimeDateTimeWithTimeZone,
        pub outcome: Option<String>,
        pub outcome_recorded_by: Option<Uuid>,
        pub outcome_recorded_at: Option<TimeDateTimeWithTimeZone>,
        pub accepted_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod outbox {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub recipient: String,
        pub subject: String,
        #[sea_orm(column_type = "Text")]
        pub text_body: String,
        #[sea_orm(column_type = "Text")]
        pub html_body: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: TimeDateTimeWithTimeZone,
        pub locked_until: Option<TimeDateTimeWithTimeZone>,
        pub last_error: Option<String>,
        pub created_at: TimeDateTimeWithTimeZone,
        pub sent_at: Option<TimeDateTimeWithTimeZone>,
        pub kind: String,
        pub reference: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod certificates {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "certificates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub number: String,
        pub verification_code: String,
        pub sitting_id: Uuid,
        pub candidate_id: Uuid,
        pub holder_name: String,
        pub qualification_code: String,
        pub qualification_title: String,
        pub edition: String,
        pub edition_title: String,
        pub issued_on: TimeDate,
        pub issuer: String,
        pub kid: String,
        pub signature: String,
        pub status: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub status_reason: Option<String>,
        pub status_changed_at: Option<TimeDateTimeWithTimeZone>,
        pub replaced_by: Option<Uuid>,
        #[sea_orm(column_type = "Blob", nullable)]
        pub pdf: Option<Vec<u8>>,
        pub created_at: TimeDateTimeWithTimeZone,
        /// `holder_name` lower-cased, for the register's search.
        pub holder_name_folded: Option<String>,
        /// The certificate's place in the published status lists.
        pub status_index: Option<i32>,
        /// The day it expires, when its qualification's certificates do.
        pub expires_on: Option<TimeDate>,
        /// The number of the certificate this one renews.
        pub renews: Option<String>,
        /// The number of the certificate that renewed this one.
        pub renewed_by: Option<String>,
    }

    /// A certificate without its stored PDF: what every lookup but the download reads.
    #[derive(Clone, Debug, DerivePartialModel)]
    #[sea_orm(entity = "Entity")]
    pub struct Row {
        pub id: Uuid,
        pub number: String,
        pub verification_code: String,
        pub sitting_id: Uuid,
        pub candidate_id: Uuid,
        pub holder_name: String,
        pub qualification_code: String,
        pub qualification_title: String,
        pub edition: String,
        pub edition_title: String,
        pub issued_on: TimeDate,
        pub issuer: String,
        pub kid: String,
        pub signature: String,
        pub status: String,
        pub status_reason: Option<String>,
        pub status_changed_at: Option<TimeDateTimeWithTimeZone>,
        pub replaced_by: Option<Uuid>,
        pub created_at: TimeDateTimeWithTimeZone,
        pub status_index: Option<i32>,
        pub expires_on: Option<TimeDate>,
        pub renews: Option<String>,
        pub renewed_by: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod certificate_events {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "certificate_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub certificate_id: Uuid,
        pub action: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub reason: Option<String>,
        pub actor: Option<Uuid>,
        pub at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod register_listings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "register_listings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub candidate_id: Uuid,
        pub listed_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod flags {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "flags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sitting_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub number: i32,
        pub flagged_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod web_sessions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        pub user_id: Uuid,
        pub token_version: i32,
        pub csrf_token: String,
        pub created_at: TimeDateTimeWithTimeZone,
        pub expires_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sitting_extensions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sitting_extensions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub sitting_id: Uuid,
        pub minutes: i32,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        pub granted_by: Uuid,
        pub granted_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_log {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub at: String,
        pub actor: String,
        pub client: Option<String>,
        pub action: String,
        pub target_kind: String,
        pub target_id: String,
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        pub prev_hash: String,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_head {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_head")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub seq: i64,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod key_corrections {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "key_corrections")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub qualification_code: String,
        pub edition: String,
        pub item_id: String,
        pub kind: String,
        #[sea_orm(column_type = "Text")]
        pub written_options: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub new_key: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        pub appeal_id: Option<Uuid>,
        pub status: String,
        pub version: Option<i32>,
        pub recorded_by: Uuid,
        pub recorded_at: TimeDateTimeWithTimeZone,
        pub decided_by: Option<Uuid>,
        pub decided_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod vouchers {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "vouchers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub batch_id: Uuid,
        pub code_hash: String,
        pub code_last4: String,
        pub qualification_code: String,
        pub valid_from: TimeDateTimeWithTimeZone,
        pub expires_at: TimeDateTimeWithTimeZone,
        pub ato_id: Option<Uuid>,
        pub state: String,
        pub issued_by: Uuid,
        pub issued_at: TimeDateTimeWithTimeZone,
        pub candidate_id: Option<Uuid>,
        pub assigned_by: Option<Uuid>,
        pub assigned_at: Option<TimeDateTimeWithTimeZone>,
        pub booking_id: Option<Uuid>,
        pub booked_at: Option<TimeDateTimeWithTimeZone>,
        pub sitting_id: Option<Uuid>,
        pub consumed_at: Option<TimeDateTimeWithTimeZone>,
        pub voided_by: Option<Uuid>,
        pub voided_at: Option<TimeDateTimeWithTimeZone>,
        #[sea_orm(column_type = "Text", nullable)]
        pub void_reason: Option<String>,
        pub reminded_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod cases {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub state: String,
        pub candidate_id: Uuid,
        pub lodged_by: Uuid,
        pub target_kind: Option<String>,
        pub target_id: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub about: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub statement: String,
        pub received_at: TimeDateTimeWithTimeZone,
        pub reviewer_id: Option<Uuid>,
        pub assigned_at: Option<TimeDateTimeWithTimeZone>,
        pub decided_by: Option<Uuid>,
        pub decided_at: Option<TimeDateTimeWithTimeZone>,
        #[sea_orm(column_type = "Text", nullable)]
        pub reasons: Option<String>,
        pub remedy: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub remedy_detail: Option<String>,
        pub withdrawn_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod case_notes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_notes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub case_id: Uuid,
        pub author_id: Uuid,
        pub at: TimeDateTimeWithTimeZone,
        #[sea_orm(column_type = "Text")]
        pub text: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod result_decisions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "result_decisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sitting_id: Uuid,
        pub candidate_id: Uuid,
        pub qualification_code: String,
        pub stage: String,
        pub created_at: TimeDateTimeWithTimeZone,
        pub recommended_by: Option<Uuid>,
        pub recommended_at: Option<TimeDateTimeWithTimeZone>,
        #[sea_orm(column_type = "Text", nullable)]
        pub recommendation_note: Option<String>,
        pub decided_by: Option<Uuid>,
        pub decided_at: Option<TimeDateTimeWithTimeZone>,
        #[sea_orm(column_type = "Text", nullable)]
        pub decision_note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod exam_sessions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "exam_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub qualification_code: String,
        pub opens_at: TimeDateTimeWithTimeZone,
        pub closes_at: TimeDateTimeWithTimeZone,
        pub mode: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub venue: Option<String>,
        pub capacity: i32,
        pub seats_taken: i32,
        pub invigilator_id: Uuid,
        pub requires_admission: bool,
        pub access_code: Option<String>,
        pub reschedule_cutoff_hours: i32,
        pub status: String,
        pub created_by: Uuid,
        pub created_at: TimeDateTimeWithTimeZone,
        pub cancelled_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod bookings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bookings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub session_id: Uuid,
        pub candidate_id: Uuid,
        pub qualification_code: String,
        pub status: String,
        pub booked_at: TimeDateTimeWithTimeZone,
        pub admitted_at: Option<TimeDateTimeWithTimeZone>,
        pub admitted_by: Option<Uuid>,
        pub sitting_id: Option<Uuid>,
        pub cancelled_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invigilation_actions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invigilation_actions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub session_id: Uuid,
        pub booking_id: Option<Uuid>,
        pub sitting_id: Option<Uuid>,
        pub action: String,
        pub reason: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub note: Option<String>,
        pub minutes: Option<i32>,
        pub acted_by: Uuid,
        pub acted_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod course_materials {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "course_materials")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub course_id: Option<Uuid>,
        pub qualification_code: Option<String>,
        pub title: String,
        /// `file` or `link`.
        pub kind: String,
        pub file_name: Option<String>,
        pub content_type: Option<String>,
        pub size_bytes: Option<i64>,
        #[sea_orm(column_type = "Text", nullable)]
        pub url: Option<String>,
        pub created_by: Uuid,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod material_files {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "material_files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub material_id: Uuid,
        #[sea_orm(column_type = "Blob")]
        pub content: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
