//! Course materials and their files. A file's bytes are in `material_files`, read only
//! when the file is downloaded.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::entities::{course_materials, courses, enrolments, material_files};
use crate::domain::ato::{CourseRecord, Outcome};
use crate::domain::material::{FileType, MaterialBody, MaterialOwner, MaterialRecord};

impl TryFrom<course_materials::Model> for MaterialRecord {
    type Error = DbErr;

    fn try_from(m: course_materials::Model) -> Result<Self, DbErr> {
        let bad = |what: &str| DbErr::Custom(format!("course material {}: {what}", m.id));
        let owner = match (m.course_id, &m.qualification_code) {
            (Some(course), None) => MaterialOwner::Course(course),
            (None, Some(code)) => MaterialOwner::Qualification(code.clone()),
            _ => return Err(bad("needs exactly one of a course and a qualification")),
        };
        let body = match m.kind.as_str() {
            "file" => MaterialBody::File {
                file_name: m.file_name.clone().ok_or_else(|| bad("no file name"))?,
                file_type: m
                    .content_type
                    .as_deref()
                    .and_then(FileType::from_mime)
                    .ok_or_else(|| bad("unknown content type"))?,
                size_bytes: m
                    .size_bytes
                    .and_then(|s| u64::try_from(s).ok())
                    .ok_or_else(|| bad("no size"))?,
            },
            "link" => MaterialBody::Link {
                url: m.url.clone().ok_or_else(|| bad("no address"))?,
            },
            other => return Err(bad(&format!("unknown kind {other}"))),
        };
        Ok(Self {
            id: m.id,
            owner,
            title: m.title,
            body,
            created_by: m.created_by,
            created_at: m.created_at,
        })
    }
}

/// Stores a material, with its file's bytes when it is a file.
#[tracing::instrument(skip_all, fields(material = %record.id))]
pub async fn insert(
    db: &impl ConnectionTrait,
    record: &MaterialRecord,
    content: Option<&[u8]>,
) -> Result<(), DbErr> {
    let (course_id, qualification_code) = match &record.owner {
        MaterialOwner::Course(id) => (Some(*id), None),
        MaterialOwner::Qualification(code) => (None, Some(code.clone())),
    };
    let (kind, file_name, content_type, size_bytes, url) = match &record.body {
        MaterialBody::File {
            file_name,
            file_type,
            size_bytes,
        } => (
            "file",
            Some(file_name.clone()),
            Some(file_type.mime().to_owned()),
            Some(i64::try_from(*size_bytes).map_err(|e| DbErr::Custom(e.to_string()))?),
            None,
        ),
        MaterialBody::Link { url } => ("link", None, None, None, Some(url.clone())),
    };
    course_materials::Entity::insert(course_materials::ActiveModel {
        id: Set(record.id),
        course_id: Set(course_id),
        qualification_code: Set(qualification_code),
        title: Set(record.title.clone()),
        kind: Set(kind.to_owned()),
        file_name: Set(file_name),
        content_type: Set(content_type),
        size_bytes: Set(size_bytes),
        url: Set(url),
        created_by: Set(record.created_by),
        created_at: Set(record.created_at),
    })
    .exec_without_returning(db)
    .await?;
    if let Some(content) = content {
        material_files::Entity::insert(material_files::ActiveModel {
            material_id: Set(record.id),
            content: Set(content.to_vec()),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// The materials of one owner, oldest first.
pub async fn of_owner(
    db: &impl ConnectionTrait,
    owner: &MaterialOwner,
) -> Result<Vec<MaterialRecord>, DbErr> {
    let query = course_materials::Entity::find();
    let query = match owner {
        MaterialOwner::Course(id) => query.filter(course_materials::Column::CourseId.eq(*id)),
        MaterialOwner::Qualification(code) => {
            query.filter(course_materials::Column::QualificationCode.eq(code.as_str()))
        }
    };
    query
        .order_by_asc(course_materials::Column::CreatedAt)
        .order_by_asc(course_materials::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(MaterialRecord::try_from)
        .collect()
}

/// The materials of any of these courses or qualifications, oldest first.
pub async fn of_any(
    db: &impl ConnectionTrait,
    courses: &[Uuid],
    qualifications: &[String],
) -> Result<Vec<MaterialRecord>, DbErr> {
    if courses.is_empty() && qualifications.is_empty() {
        return Ok(Vec::new());
    }
    course_materials::Entity::find()
        .filter(
            Condition::any()
                .add(course_materials::Column::CourseId.is_in(courses.iter().copied()))
                .add(
                    course_materials::Column::QualificationCode
                        .is_in(qualifications.iter().cloned()),
                ),
        )
        .order_by_asc(course_materials::Column::CreatedAt)
        .order_by_asc(course_materials::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(MaterialRecord::try_from)
        .collect()
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<MaterialRecord>, DbErr> {
    course_materials::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(MaterialRecord::try_from)
        .transpose()
}

/// A file's bytes.
#[tracing::instrument(skip(db))]
pub async fn content(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Vec<u8>>, DbErr> {
    Ok(material_files::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|f| f.content))
}

/// Removes a material and its file; false if it was already gone.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    material_files::Entity::delete_by_id(id).exec(db).await?;
    let done = course_materials::Entity::delete_by_id(id).exec(db).await?;
    Ok(done.rows_affected > 0)
}

/// One of a candidate's enrolments as the materials rules need it.
pub struct Enrolment {
    pub course: CourseRecord,
    pub accepted: bool,
    pub outcome: Option<Outcome>,
}

/// Every enrolment of the candidate, with its course.
pub async fn enrolments_of(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<Enrolment>, DbErr> {
    let rows = enrolments::Entity::find()
        .filter(enrolments::Column::CandidateId.eq(candidate_id))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.course_id).collect();
    let courses: Vec<CourseRecord> = courses::Entity::find()
        .filter(courses::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(CourseRecord::try_from)
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let course = courses.iter().find(|c| c.id == r.course_id)?.clone();
            Some(Enrolment {
                course,
                accepted: r.accepted_at.is_some(),
                outcome: r.outcome.as_deref().and_then(|o| o.parse().ok()),
            })
        })
        .collect())
}
