//! The organizational certification register: registered certification bodies (RCBs)
//! with the history of their status, their staff, the organizations they certified
//! against ISO/IEC 20000-1 (a certificate number is unique within its body) with the
//! history of each record's status, and the body a staff invitation is for.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CertificationBodies::Table)
                    .col(pk_uuid(CertificationBodies::Id))
                    .col(string(CertificationBodies::Name))
                    .col(string(CertificationBodies::Country))
                    .col(string(CertificationBodies::AccreditationBody))
                    .col(string(CertificationBodies::Status))
                    .col(date(CertificationBodies::StatusSince))
                    .col(uuid(CertificationBodies::CreatedBy))
                    .col(timestamp_with_time_zone(CertificationBodies::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertificationBodyStatusChanges::Table)
                    .col(pk_uuid(CertificationBodyStatusChanges::Id))
                    .col(uuid(CertificationBodyStatusChanges::BodyId))
                    .col(string(CertificationBodyStatusChanges::Status))
                    .col(text_null(CertificationBodyStatusChanges::Reason))
                    .col(date(CertificationBodyStatusChanges::EffectiveOn))
                    .col(uuid(CertificationBodyStatusChanges::ChangedBy))
                    .col(timestamp_with_time_zone(
                        CertificationBodyStatusChanges::ChangedAt,
                    ))
                    .foreign_key(&mut fk(
                        "certification_body_status_changes_body_id_fkey",
                        (
                            CertificationBodyStatusChanges::Table,
                            CertificationBodyStatusChanges::BodyId,
                        ),
                        (CertificationBodies::Table, CertificationBodies::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RcbStaff::Table)
                    .col(uuid(RcbStaff::UserId).primary_key())
                    .col(uuid(RcbStaff::BodyId))
                    .col(timestamp_with_time_zone(RcbStaff::CreatedAt))
                    .foreign_key(&mut fk(
                        "rcb_staff_user_id_fkey",
                        (RcbStaff::Table, RcbStaff::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "rcb_staff_body_id_fkey",
                        (RcbStaff::Table, RcbStaff::BodyId),
                        (CertificationBodies::Table, CertificationBodies::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertifiedOrganizations::Table)
                    .col(pk_uuid(CertifiedOrganizations::Id))
                    .col(uuid(CertifiedOrganizations::BodyId))
                    .col(string(CertifiedOrganizations::OrganizationName))
                    .col(string(CertifiedOrganizations::OrganizationFolded))
                    .col(string(CertifiedOrganizations::Country))
                    .col(text(CertifiedOrganizations::Scope))
                    .col(string(CertifiedOrganizations::Edition))
                    .col(string(CertifiedOrganizations::CertificateNumber))
                    .col(date(CertifiedOrganizations::IssuedOn))
                    .col(date(CertifiedOrganizations::ExpiresOn))
                    .col(string(CertifiedOrganizations::Status))
                    .col(uuid(CertifiedOrganizations::CreatedBy))
                    .col(timestamp_with_time_zone(CertifiedOrganizations::CreatedAt))
                    .col(uuid(CertifiedOrganizations::UpdatedBy))
                    .col(timestamp_with_time_zone(CertifiedOrganizations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "certified_organizations_body_id_fkey",
                        (
                            CertifiedOrganizations::Table,
                            CertifiedOrganizations::BodyId,
                        ),
                        (CertificationBodies::Table, CertificationBodies::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("certified_organizations_body_number_key")
                    .table(CertifiedOrganizations::Table)
                    .col(CertifiedOrganizations::BodyId)
                    .col(CertifiedOrganizations::CertificateNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("certified_organizations_folded_idx")
                    .table(CertifiedOrganizations::Table)
                    .col(CertifiedOrganizations::OrganizationFolded)
                    .col(CertifiedOrganizations::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertifiedOrganizationStatusChanges::Table)
                    .col(pk_uuid(CertifiedOrganizationStatusChanges::Id))
                    .col(uuid(CertifiedOrganizationStatusChanges::OrganizationId))
                    .col(string(CertifiedOrganizationStatusChanges::Status))
                    .col(text_null(CertifiedOrganizationStatusChanges::Reason))
                    .col(date(CertifiedOrganizationStatusChanges::EffectiveOn))
                    .col(uuid(CertifiedOrganizationStatusChanges::ChangedBy))
                    .col(timestamp_with_time_zone(
                        CertifiedOrganizationStatusChanges::ChangedAt,
                    ))
                    .foreign_key(&mut fk(
                        "certified_organization_status_changes_organization_id_fkey",
                        (
                            CertifiedOrganizationStatusChanges::Table,
                            CertifiedOrganizationStatusChanges::OrganizationId,
                        ),
                        (CertifiedOrganizations::Table, CertifiedOrganizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(uuid_null(Invitations::CertificationBodyId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .drop_column(Invitations::CertificationBodyId)
                    .to_owned(),
            )
            .await?;
        for table in [
            CertifiedOrganizationStatusChanges::Table.into_iden(),
            CertifiedOrganizations::Table.into_iden(),
            RcbStaff::Table.into_iden(),
            CertificationBodyStatusChanges::Table.into_iden(),
            CertificationBodies::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CertificationBodies {
    Table,
    Id,
    Name,
    Country,
    AccreditationBody,
    Status,
    StatusSince,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CertificationBodyStatusChanges {
    Table,
    Id,
    BodyId,
    Status,
    Reason,
    EffectiveOn,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum RcbStaff {
    Table,
    UserId,
    BodyId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CertifiedOrganizations {
    Table,
    Id,
    BodyId,
    OrganizationName,
    /// The name lower-cased, for a search that ignores case on both engines.
    OrganizationFolded,
    Country,
    Scope,
    Edition,
    CertificateNumber,
    IssuedOn,
    ExpiresOn,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CertifiedOrganizationStatusChanges {
    Table,
    Id,
    OrganizationId,
    Status,
    Reason,
    EffectiveOn,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    CertificationBodyId,
}
