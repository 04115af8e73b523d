//! Course materials: files and links a training organization attaches to one of its
//! courses, or the certification body to a course or a whole qualification. A file's
//! bytes live in their own table, so listing materials never reads a file; they are in
//! the database (not on one server's disk) so that every server on one database serves
//! the same files and a backup of the database holds them.

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
                    .table(CourseMaterials::Table)
                    .col(pk_uuid(CourseMaterials::Id))
                    .col(uuid_null(CourseMaterials::CourseId))
                    .col(string_null(CourseMaterials::QualificationCode))
                    .col(string(CourseMaterials::Title))
                    .col(string(CourseMaterials::Kind))
                    .col(string_null(CourseMaterials::FileName))
                    .col(string_null(CourseMaterials::ContentType))
                    .col(big_integer_null(CourseMaterials::SizeBytes))
                    .col(text_null(CourseMaterials::Url))
                    .col(uuid(CourseMaterials::CreatedBy))
                    .col(timestamp_with_time_zone(CourseMaterials::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("course_materials_course_id_fkey")
                            .from(CourseMaterials::Table, CourseMaterials::CourseId)
                            .to(Courses::Table, Courses::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("course_materials_created_by_fkey")
                            .from(CourseMaterials::Table, CourseMaterials::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MaterialFiles::Table)
                    .col(pk_uuid(MaterialFiles::MaterialId))
                    .col(blob(MaterialFiles::Content))
                    .foreign_key(
                        ForeignKey::create()
                            .name("material_files_material_id_fkey")
                            .from(MaterialFiles::Table, MaterialFiles::MaterialId)
                            .to(CourseMaterials::Table, CourseMaterials::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("course_materials_course_idx", CourseMaterials::CourseId),
            (
                "course_materials_qualification_idx",
                CourseMaterials::QualificationCode,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(CourseMaterials::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MaterialFiles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CourseMaterials::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CourseMaterials {
    Table,
    Id,
    CourseId,
    QualificationCode,
    Title,
    Kind,
    FileName,
    ContentType,
    SizeBytes,
    Url,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MaterialFiles {
    Table,
    MaterialId,
    Content,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
}
