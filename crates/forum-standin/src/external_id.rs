//! Topics by `external_id`, as `TopicsController#show_by_external_id` serves them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;

use crate::Shared;
use crate::routes::{Reply, error, not_found, viewer};

/// `GET /t/external_id/{id}.json`: `TopicsController#show_by_external_id` finds the topic by
/// exact id (404 when none), checks the viewer may see it (403), and redirects (301) to the
/// topic's URL, keeping `.json`.
pub async fn topic_by_external_id(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let me = viewer(&shared, &headers)?;
    let forum = shared.forum();
    let id = id.strip_suffix(".json").unwrap_or(&id);
    let t = forum
        .topics
        .values()
        .find(|t| t.external_id.as_deref() == Some(id))
        .ok_or_else(not_found)?;
    if !forum.visible_topic(t, me.as_ref()) {
        return Err(error(
            StatusCode::FORBIDDEN,
            &["You are not permitted to view the requested resource."],
            Some("invalid_access"),
        ));
    }
    let to = format!("/t/{}/{}.json", t.slug, t.id);
    Ok((StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to)]).into_response())
}
