//! Course materials: a training organization's staff attach files and links to their
//! own courses, administrators to any qualification as a whole; delegates list and
//! download them while their enrolment gives access (`domain::material::access_open`).
//! Another organization's course or material, and a material a delegate may not see,
//! are `NotFound`. Attaching and deleting are on the audit ledger.

use sea_orm::DbErr;
use uuid::Uuid;

use super::atos::{AtoError, ato_of_staff};
use super::audit::{self, Action, Actor, TargetKind};
use crate::domain::fields::FieldErrors;
use crate::domain::material::{
    FileType, MaterialBody, MaterialOwner, MaterialRecord, access_open, clean_file_name,
    parse_link, parse_title, sniff,
};
use crate::persistence::{atos, begin_write, materials};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum MaterialError {
    #[error("you are not staff of a training organization")]
    NotStaff,
    /// No such course of the caller's, qualification, or material they may see.
    #[error("not found")]
    NotFound,
    #[error("the material cannot be recorded")]
    Invalid(FieldErrors),
    /// The file's content is not a type the server accepts (field `file`).
    #[error("{0}")]
    UnsupportedType(String),
    /// The file is larger than `[materials] max_bytes` (field `file`).
    #[error("the file is larger than {0} bytes")]
    TooLarge(usize),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for MaterialError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl From<AtoError> for MaterialError {
    fn from(e: AtoError) -> Self {
        match e {
            AtoError::NotStaff => Self::NotStaff,
            other => Self::Unexpected(other.into()),
        }
    }
}

/// What the uploader sent, as read from the request.
pub enum Upload {
    File {
        title: String,
        /// The name the uploader's system gave the file.
        file_name: String,
        content: Vec<u8>,
    },
    Link {
        title: String,
        url: String,
    },
}

/// A checked upload: the record's body and the bytes to store.
fn check(
    state: &AppState,
    upload: Upload,
) -> Result<(String, MaterialBody, Option<Vec<u8>>), MaterialError> {
    let mut errors = FieldErrors::new();
    match upload {
        Upload::Link { title, url } => {
            let title = errors.check("title", parse_title(&title));
            let url = errors.check("url", parse_link(&url));
            let (title, url) = errors
                .finish(|| Some((title?, url?)))
                .map_err(MaterialError::Invalid)?;
            Ok((title, MaterialBody::Link { url }, None))
        }
        Upload::File {
            title,
            file_name,
            content,
        } => {
            if content.len() > state.materials.max_bytes {
                return Err(MaterialError::TooLarge(state.materials.max_bytes));
            }
            // A blank title is the file's name, as people expect from a file picker.
            let title = if title.trim().is_empty() {
                file_name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            } else {
                title
            };
            let title = errors.check("title", parse_title(&title));
            if content.is_empty() {
                errors.add("file", "must not be empty");
            }
            let title = errors.finish(|| title).map_err(MaterialError::Invalid)?;
            let file_type: FileType = sniff(&content).map_err(MaterialError::UnsupportedType)?;
            let body = MaterialBody::File {
                file_name: clean_file_name(&file_name, file_type),
                file_type,
                size_bytes: content.len() as u64,
            };
            Ok((title, body, Some(content)))
        }
    }
}

async fn store(
    state: &AppState,
    by: Uuid,
    owner: MaterialOwner,
    upload: Upload,
) -> Result<MaterialRecord, MaterialError> {
    let (title, body, content) = check(state, upload)?;
    let now = state.clock.now();
    let record = MaterialRecord {
        id: Uuid::now_v7(),
        owner,
        title,
        body,
        created_by: by,
        created_at: now,
    };
    let tx = begin_write(&state.db).await?;
    materials::insert(&tx, &record, content.as_deref()).await?;
    let attached = audit::event(
        Actor::User(by),
        Action::MaterialAttached,
        TargetKind::Material,
        record.id,
        describe(&record),
    );
    audit::record(&tx, now, &[attached]).await?;
    tx.commit().await?;
    tracing::info!(material = %record.id, "course material attached");
    Ok(record)
}

/// What the ledger says about a material (never its content).
fn describe(record: &MaterialRecord) -> serde_json::Value {
    let owner = match &record.owner {
        MaterialOwner::Course(id) => serde_json::json!({"course": id}),
        MaterialOwner::Qualification(code) => serde_json::json!({"qualification": code}),
    };
    let body = match &record.body {
        MaterialBody::File {
            file_name,
            file_type,
            size_bytes,
        } => {
            serde_json::json!({"kind": "file", "file_name": file_name, "content_type": file_type.mime(), "size_bytes": size_bytes})
        }
        MaterialBody::Link { url } => serde_json::json!({"kind": "link", "url": url}),
    };
    serde_json::json!({"owner": owner, "title": record.title, "material": body})
}

/// The staff member's own course (another organization's is `NotFound`).
async fn own_course(state: &AppState, staff: Uuid, course: Uuid) -> Result<(), MaterialError> {
    let ato = ato_of_staff(state, staff).await?;
    atos::find_course(&state.db, course, ato.id)
        .await?
        .ok_or(MaterialError::NotFound)?;
    Ok(())
}

/// Staff attach a file or link to one of their organization's courses.
pub async fn attach_to_course(
    state: &AppState,
    staff: Uuid,
    course: Uuid,
    upload: Upload,
) -> Result<MaterialRecord, MaterialError> {
    own_course(state, staff, course).await?;
    store(state, staff, MaterialOwner::Course(course), upload).await
}

/// The materials of one of the staff member's courses, oldest first.
pub async fn of_course(
    state: &AppState,
    staff: Uuid,
    course: Uuid,
) -> Result<Vec<MaterialRecord>, MaterialError> {
    own_course(state, staff, course).await?;
    Ok(materials::of_owner(&state.db, &MaterialOwner::Course(course)).await?)
}

/// Staff delete a material of one of their courses.
pub async fn delete_from_course(
    state: &AppState,
    staff: Uuid,
    course: Uuid,
    material: Uuid,
) -> Result<(), MaterialError> {
    own_course(state, staff, course).await?;
    remove(state, staff, MaterialOwner::Course(course), material).await
}

async fn remove(
    state: &AppState,
    by: Uuid,
    owner: MaterialOwner,
    material: Uuid,
) -> Result<(), MaterialError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let record = materials::find(&tx, material)
        .await?
        .filter(|m| m.owner == owner)
        .ok_or(MaterialError::NotFound)?;
    if !materials::delete(&tx, material).await? {
        return Err(MaterialError::NotFound);
    }
    let deleted = audit::event(
        Actor::User(by),
        Action::MaterialDeleted,
        TargetKind::Material,
        material,
        describe(&record),
    );
    audit::record(&tx, now, &[deleted]).await?;
    tx.commit().await?;
    tracing::info!(material = %material, "course material deleted");
    Ok(())
}

/// A qualification the catalog offers, or `NotFound`.
fn offered(state: &AppState, code: &str) -> Result<(), MaterialError> {
    if state
        .catalog
        .offered()
        .any(|(_, q)| q.qualification.code == code)
    {
        Ok(())
    } else {
        Err(MaterialError::NotFound)
    }
}

/// An administrator attaches a file or link to a qualification: every delegate of a
/// course for it sees it.
pub async fn attach_to_qualification(
    state: &AppState,
    admin: Uuid,
    code: &str,
    upload: Upload,
) -> Result<MaterialRecord, MaterialError> {
    offered(state, code)?;
    store(
        state,
        admin,
        MaterialOwner::Qualification(code.to_owned()),
        upload,
    )
    .await
}

/// A qualification's own materials (not its courses'), oldest first.
pub async fn of_qualification(
    state: &AppState,
    code: &str,
) -> Result<Vec<MaterialRecord>, MaterialError> {
    offered(state, code)?;
    Ok(materials::of_owner(&state.db, &MaterialOwner::Qualification(code.to_owned())).await?)
}

/// An administrator deletes a qualification's material.
pub async fn delete_from_qualification(
    state: &AppState,
    admin: Uuid,
    code: &str,
    material: Uuid,
) -> Result<(), MaterialError> {
    offered(state, code)?;
    remove(
        state,
        admin,
        MaterialOwner::Qualification(code.to_owned()),
        material,
    )
    .await
}

/// The courses and qualifications whose materials the candidate may see today: the
/// courses of their enrolments that give access, and those courses' qualifications.
async fn reach(state: &AppState, candidate: Uuid) -> Result<(Vec<Uuid>, Vec<String>), DbErr> {
    let today = state.clock.now().date();
    let days = state.materials.access_days_after_course;
    let mut courses = Vec::new();
    let mut qualifications = Vec::new();
    for e in materials::enrolments_of(&state.db, candidate).await? {
        if access_open(e.accepted, e.outcome, e.course.ends_on, today, days) {
            courses.push(e.course.id);
            if !qualifications.contains(&e.course.qualification) {
                qualifications.push(e.course.qualification.clone());
            }
        }
    }
    Ok((courses, qualifications))
}

/// The materials the candidate may see today, oldest first.
pub async fn of_candidate(
    state: &AppState,
    candidate: Uuid,
) -> Result<Vec<MaterialRecord>, MaterialError> {
    let (courses, qualifications) = reach(state, candidate).await?;
    Ok(materials::of_any(&state.db, &courses, &qualifications).await?)
}

/// One file the candidate may download today, with its bytes; a link, or anything they
/// may not see, is `NotFound`.
pub async fn download(
    state: &AppState,
    candidate: Uuid,
    material: Uuid,
) -> Result<(MaterialRecord, Vec<u8>), MaterialError> {
    let record = materials::find(&state.db, material)
        .await?
        .ok_or(MaterialError::NotFound)?;
    if !matches!(record.body, MaterialBody::File { .. }) {
        return Err(MaterialError::NotFound);
    }
    let (courses, qualifications) = reach(state, candidate).await?;
    let visible = match &record.owner {
        MaterialOwner::Course(id) => courses.contains(id),
        MaterialOwner::Qualification(code) => qualifications.contains(code),
    };
    if !visible {
        return Err(MaterialError::NotFound);
    }
    let content = materials::content(&state.db, material)
        .await?
        .ok_or(MaterialError::NotFound)?;
    Ok((record, content))
}

/// A file of one of the staff member's courses, with its bytes (to check what delegates
/// get).
pub async fn course_file(
    state: &AppState,
    staff: Uuid,
    course: Uuid,
    material: Uuid,
) -> Result<(MaterialRecord, Vec<u8>), MaterialError> {
    own_course(state, staff, course).await?;
    let record = materials::find(&state.db, material)
        .await?
        .filter(|m| m.owner == MaterialOwner::Course(course))
        .filter(|m| matches!(m.body, MaterialBody::File { .. }))
        .ok_or(MaterialError::NotFound)?;
    let content = materials::content(&state.db, material)
        .await?
        .ok_or(MaterialError::NotFound)?;
    Ok((record, content))
}

/// The qualifications of the courses whose materials the candidate may see today (the
/// dashboard offers their study guides next to the materials).
pub async fn qualifications_of(
    state: &AppState,
    candidate: Uuid,
) -> Result<Vec<String>, MaterialError> {
    Ok(reach(state, candidate).await?.1)
}
