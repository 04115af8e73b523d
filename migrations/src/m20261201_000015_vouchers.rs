//! Vouchers: one candidate's entitlement to one sitting of one qualification. Only the
//! SHA-256 of a code is kept (unique), with its last four characters for display. Each
//! step keeps who and when; `sitting_id` is unique, so no sitting is paid for twice.

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
                    .table(Vouchers::Table)
                    .col(pk_uuid(Vouchers::Id))
                    .col(uuid(Vouchers::BatchId))
                    .col(string(Vouchers::CodeHash))
                    .col(string(Vouchers::CodeLast4))
                    .col(string(Vouchers::QualificationCode))
                    .col(timestamp_with_time_zone(Vouchers::ValidFrom))
                    .col(timestamp_with_time_zone(Vouchers::ExpiresAt))
                    .col(uuid_null(Vouchers::AtoId))
                    .col(string(Vouchers::State))
                    .col(uuid(Vouchers::IssuedBy))
                    .col(timestamp_with_time_zone(Vouchers::IssuedAt))
                    .col(uuid_null(Vouchers::CandidateId))
                    .col(uuid_null(Vouchers::AssignedBy))
                    .col(timestamp_with_time_zone_null(Vouchers::AssignedAt))
                    .col(uuid_null(Vouchers::BookingId))
                    .col(timestamp_with_time_zone_null(Vouchers::BookedAt))
                    .col(uuid_null(Vouchers::SittingId))
                    .col(timestamp_with_time_zone_null(Vouchers::ConsumedAt))
                    .col(uuid_null(Vouchers::VoidedBy))
                    .col(timestamp_with_time_zone_null(Vouchers::VoidedAt))
                    .col(text_null(Vouchers::VoidReason))
                    .col(timestamp_with_time_zone_null(Vouchers::RemindedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("vouchers_ato_id_fkey")
                            .from(Vouchers::Table, Vouchers::AtoId)
                            .to(Atos::Table, Atos::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("vouchers_candidate_id_fkey")
                            .from(Vouchers::Table, Vouchers::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("vouchers_issued_by_fkey")
                            .from(Vouchers::Table, Vouchers::IssuedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("vouchers_code_hash_key", vec![Vouchers::CodeHash], true),
            ("vouchers_sitting_id_key", vec![Vouchers::SittingId], true),
            ("vouchers_booking_id_idx", vec![Vouchers::BookingId], false),
            (
                "vouchers_candidate_idx",
                vec![Vouchers::CandidateId, Vouchers::QualificationCode],
                false,
            ),
            (
                "vouchers_ato_idx",
                vec![Vouchers::AtoId, Vouchers::Id],
                false,
            ),
            (
                "vouchers_expiry_idx",
                vec![Vouchers::State, Vouchers::ExpiresAt],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Vouchers::Table);
            for c in columns {
                index.col(c);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Vouchers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Atos {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Vouchers {
    Table,
    Id,
    BatchId,
    CodeHash,
    CodeLast4,
    QualificationCode,
    ValidFrom,
    ExpiresAt,
    AtoId,
    State,
    IssuedBy,
    IssuedAt,
    CandidateId,
    AssignedBy,
    AssignedAt,
    BookingId,
    BookedAt,
    SittingId,
    ConsumedAt,
    VoidedBy,
    VoidedAt,
    VoidReason,
    RemindedAt,
}
