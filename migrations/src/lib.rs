//! Database schema for Invigilator, one file per migration. Runs at start-up
//! (`Application::build`) and from `invigilator migrate`, on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_accounts;
mod m20261121_000002_sittings;
mod m20261121_000003_evidence;
mod m20261121_000004_atos_and_outbox;
mod m20261121_000005_certificates;
mod m20261201_000006_enrolment_consent;
mod m20261201_000007_certificate_search;
mod m20261201_000008_account_sessions;
mod m20261201_000009_email_verification;
mod m20261201_000010_throttle;
mod m20261201_000011_status_list;
mod m20261201_000012_web_sessions;
mod m20261201_000013_paper_compression;
mod m20261201_000014_audit_ledger;
mod m20261201_000015_vouchers;
mod m20261201_000016_exam_sessions;
mod m20261201_000017_result_decisions;
mod m20261201_000018_appeals;
mod m20261201_000019_key_corrections;
mod m20261202_000020_device_binding;
mod m20261202_000021_data_protection;
mod m20261202_000022_certification_bodies;
mod m20261202_000023_course_materials;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_accounts::Migration),
            Box::new(m20261121_000002_sittings::Migration),
            Box::new(m20261121_000003_evidence::Migration),
            Box::new(m20261121_000004_atos_and_outbox::Migration),
            Box::new(m20261121_000005_certificates::Migration),
            Box::new(m20261201_000006_enrolment_consent::Migration),
            Box::new(m20261201_000007_certificate_search::Migration),
            Box::new(m20261201_000008_account_sessions::Migration),
            Box::new(m20261201_000009_email_verification::Migration),
            Box::new(m20261201_000010_throttle::Migration),
            Box::new(m20261201_000011_status_list::Migration),
            Box::new(m20261201_000012_web_sessions::Migration),
            Box::new(m20261201_000013_paper_compression::Migration),
            Box::new(m20261201_000014_audit_ledger::Migration),
            Box::new(m20261201_000015_vouchers::Migration),
            Box::new(m20261201_000016_exam_sessions::Migration),
            Box::new(m20261201_000017_result_decisions::Migration),
            Box::new(m20261201_000018_appeals::Migration),
            Box::new(m20261201_000019_key_corrections::Migration),
            Box::new(m20261202_000020_device_binding::Migration),
            Box::new(m20261202_000021_data_protection::Migration),
            Box::new(m20261202_000022_certification_bodies::Migration),
            Box::new(m20261202_000023_course_materials::Migration),
        ]
    }
}
