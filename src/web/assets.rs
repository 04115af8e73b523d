//! The pages' stylesheet and scripts, compiled into the binary: no CDN, nothing fetched.

use actix_web::{HttpResponse, get, http::header, web};

use super::page::PageError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../static/app.css"),
    },
    Asset {
        name: "exam.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/exam.js"),
    },
    Asset {
        name: "link.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/link.js"),
    },
    Asset {
        name: "forms.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/forms.js"),
    },
    Asset {
        name: "invigilation.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/invigilation.js"),
    },
];

#[get("/static/{name}")]
pub async fn asset(path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == path.as_str())
        .ok_or(PageError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        // Short enough that an upgrade reaches every open browser within the hour.
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(asset.body))
}
