//! Certificates (one per passed sitting), their history of status changes, the number
//! sequences per prefix and year, and the opt-in public register.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .col(pk_uuid(Certificates::Id))
                    .col(string(Certificates::Number))
                    .col(string(Certificates::VerificationCode))
                    .col(uuid(Certificates::SittingId))
                    .col(uuid(Certificates::CandidateId))
                    .col(string(Certificates::HolderName))
                    .col(string(Certificates::QualificationCode))
                    .col(string(Certificates::QualificationTitle))
                    .col(string(Certificates::Edition))
                    .col(string(Certificates::EditionTitle))
                    .col(date(Certificates::IssuedOn))
                    .col(string(Certificates::Issuer))
                    .col(string(Certificates::Kid))
                    .col(string(Certificates::Signature))
                    .col(string(Certificates::Status))
                    .col(text_null(Certificates::StatusReason))
                    .col(timestamp_with_time_zone_null(Certificates::StatusChangedAt))
                    .col(uuid_null(Certificates::ReplacedBy))
                    .col(blob_null(Certificates::Pdf))
                    .col(timestamp_with_time_zone(Certificates::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("certificates_candidate_id_fkey")
                            .from(Certificates::Table, Certificates::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Never two current certificates for one sitting, whatever races; a re-issued
        // certificate's predecessor points at it (replaced_by) and steps aside.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX certificates_sitting_id_key \
                 ON certificates (sitting_id) WHERE replaced_by IS NULL",
            )
            .await?;
        for (name, column) in [
            ("certificates_number_key", Certificates::Number),
            (
                "certificates_verification_code_key",
                Certificates::VerificationCode,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Certificates::Table)
                        .col(column)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("certificates_candidate_id_idx")
                    .table(Certificates::Table)
                    .col(Certificates::CandidateId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertificateEvents::Table)
                    .col(pk_uuid(CertificateEvents::Id))
                    .col(uuid(CertificateEvents::CertificateId))
                    .col(string(CertificateEvents::Action))
                    .col(text_null(CertificateEvents::Reason))
                    .col(uuid_null(CertificateEvents::Actor))
                    .col(timestamp_with_time_zone(CertificateEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("certificate_events_certificate_id_fkey")
                            .from(CertificateEvents::Table, CertificateEvents::CertificateId)
                            .to(Certificates::Table, Certificates::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertificateSequences::Table)
                    .col(string(CertificateSequences::Prefix))
                    .col(integer(CertificateSequences::Year))
                    .col(integer(CertificateSequences::Last))
                    .primary_key(
                        Index::create()
                            .col(CertificateSequences::Prefix)
                            .col(CertificateSequences::Year),
                    )
                    .to_owned(),
            )
            .await?;
        // Result e-mails are built when sent (their PDFs rendered then): the outbox
        // records what kind of message it holds and what it is about.
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("outbox"))
                    .add_column(string(Alias::new("kind")).default("plain"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("outbox"))
                    .add_column(uuid_null(Alias::new("reference")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RegisterListings::Table)
                    .col(uuid(RegisterListings::CandidateId).primary_key())
                    .col(timestamp_with_time_zone(RegisterListings::ListedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("register_listings_candidate_id_fkey")
                            .from(RegisterListings::Table, RegisterListings::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RegisterListings::Table.into_iden(),
            CertificateSequences::Table.into_iden(),
            CertificateEvents::Table.into_iden(),
            Certificates::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Certificates {
    Table,
    Id,
    Number,
    VerificationCode,
    SittingId,
    CandidateId,
    HolderName,
    QualificationCode,
    QualificationTitle,
    Edition,
    EditionTitle,
    IssuedOn,
    Issuer,
    Kid,
    Signature,
    Status,
    StatusReason,
    StatusChangedAt,
    ReplacedBy,
    Pdf,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CertificateEvents {
    Table,
    Id,
    CertificateId,
    Action,
    Reason,
    Actor,
    At,
}

#[derive(DeriveIden)]
pub enum CertificateSequences {
    Table,
    Prefix,
    Year,
    Last,
}

#[derive(DeriveIden)]
enum RegisterListings {
    Table,
    CandidateId,
    ListedAt,
}
