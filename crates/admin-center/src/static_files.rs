//! The admin center's CSS, its one small script and its icon, compiled into the binary so `rosterd serve`
//! needs no files on disk. Served at `/admin/static/{file}`.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AdminError;

const FILES: &[(&str, &str, &str)] = &[
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/static/admin.css"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/static/admin.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../../web/static/favicon.svg"),
    ),
];

/// `GET /admin/static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Result<Response, AdminError> {
    let (_, content_type, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(AdminError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, *content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        *body,
    )
        .into_response())
}
