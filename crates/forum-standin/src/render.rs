//! The stand-in's answers, built from its state and shaped by the spec (see `schema`).

use serde_json::{Value, json};

use crate::state::{Forum, PostRec, TopicRec, User};

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn username(forum: &Forum, id: i64) -> String {
    forum
        .user(id)
        .map(|u| u.username.clone())
        .unwrap_or_default()
}

pub fn site(forum: &Forum, viewer: Option<&User>) -> Value {
    let cats: Vec<Value> = forum
        .cats
        .iter()
        .enumerate()
        .filter_map(|(pos, c)| {
            let permission = forum.permission(c, viewer)?;
            let mut v = json!({
                "id": c.id, "name": c.name, "slug": c.slug, "color": "0088CC", "text_color": "FFFFFF",
                "position": pos, "read_restricted": c.staff_only,
                "description": format!("{} topics.", c.name), "description_excerpt": format!("{} topics.", c.name),
                "permission": if viewer.is_some() { json!(permission) } else { Value::Null },
                "topic_url": format!("/t/about-the-{}-category/{}", c.slug, c.id),
                "has_children": forum.cats.iter().any(|x| x.parent == Some(c.id)),
                "topic_count": forum.topics.values().filter(|t| t.category_id == c.id).count(),
                "can_edit": viewer.is_some_and(|u| u.admin),
            });
            if let Some(p) = c.parent {
                v["parent_category_id"] = json!(p);
            }
            Some(v)
        })
        .collect();
    json!({"categories": cats, "default_archetype": "regular", "uncategorized_category_id": 1})
}

pub fn topic_item(forum: &Forum, t: &TopicRec) -> Value {
    let last = t.posts.last().and_then(|id| forum.posts.get(id));
    let excerpt = t
        .posts
        .first()
        .and_then(|id| forum.posts.get(id))
        .map(|p| p.raw.chars().take(200).collect::<String>());
    json!({
        "id": t.id, "title": t.title, "fancy_title": escape(&t.title), "slug": t.slug,
        "posts_count": t.posts.len(), "reply_count": t.posts.len().saturating_sub(1),
        "highest_post_number": t.posts.len(), "image_url": null,
        "created_at": ts(t.created_at), "last_posted_at": ts(t.bumped_at), "bumped": true,
        "bumped_at": ts(t.bumped_at), "archetype": "regular", "unseen": false, "pinned": false,
        "unpinned": null, "excerpt": excerpt, "visible": true, "closed": false, "archived": false,
        "bookmarked": false, "liked": false, "views": 1, "like_count": 0, "has_summary": false,
        "last_poster_username": last.map(|p| username(forum, p.user_id)).unwrap_or_default(),
        "category_id": t.category_id, "pinned_globally": false, "featured_link": null,
        "tags": t.tags,
        "posters": [{"extras": "latest", "description": "Original Poster, Most Recent Poster",
            "user_id": t.user_id, "primary_group_id": null}],
    })
}

pub fn post(forum: &Forum, p: &PostRec, viewer: Option<&User>) -> Value {
    let topic = forum.topics.get(&p.topic_id);
    let author = forum.user(p.user_id);
    json!({
        "id": p.id, "name": username(forum, p.user_id), "username": username(forum, p.user_id),
        "avatar_template": "/letter_avatar_proxy/v4/letter/a/df705f/{size}.png",
        "created_at": ts(p.created_at), "updated_at": ts(p.created_at),
        "cooked": format!("<p>{}</p>", escape(&p.raw)), "raw": p.raw,
        "excerpt": escape(&p.raw.chars().take(200).collect::<String>()), "truncated": false,
        "post_number": p.post_number, "post_type": 1, "posts_count": topic.map_or(0, |t| t.posts.len()),
        "reply_count": 0, "reply_to_post_number": null, "quote_count": 0, "incoming_link_count": 0,
        "reads": 1, "readers_count": 0, "score": 0, "yours": viewer.is_some_and(|v| v.id == p.user_id),
        "topic_id": p.topic_id, "topic_slug": topic.map(|t| t.slug.clone()).unwrap_or_default(),
        "topic_title": topic.map(|t| t.title.clone()).unwrap_or_default(),
        "topic_html_title": topic.map(|t| escape(&t.title)).unwrap_or_default(),
        "category_id": topic.map_or(1, |t| t.category_id),
        "display_username": username(forum, p.user_id), "version": 1, "can_edit": true, "can_delete": false,
        "can_recover": false, "can_wiki": false, "user_title": null, "bookmarked": false,
        "actions_summary": [], "moderator": false, "admin": author.is_some_and(|u| u.admin),
        "staff": author.is_some_and(|u| u.admin), "user_id": p.user_id, "hidden": false,
        "trust_level": 1, "deleted_at": null, "user_deleted": false, "edit_reason": null,
        "can_view_edit_history": true, "wiki": false, "draft_sequence": 0, "read": true,
        "post_url": topic.map(|t| format!("/t/{}/{}/{}", t.slug, t.id, p.post_number)).unwrap_or_default(),
    })
}

pub fn topic(forum: &Forum, t: &TopicRec, viewer: Option<&User>) -> Value {
    let posts: Vec<Value> = t
        .posts
        .iter()
        .filter_map(|id| forum.posts.get(id))
        .map(|p| post(forum, p, viewer))
        .collect();
    let creator = json!({"id": t.user_id, "username": username(forum, t.user_id), "name": "",
        "avatar_template": "/letter_avatar_proxy/v4/letter/a/df705f/{size}.png"});
    json!({
        "post_stream": {"posts": posts, "stream": t.posts},
        "tags": t.tags.iter().enumerate().map(|(i, n)| json!({"id": i + 1, "name": n, "slug": n})).collect::<Vec<_>>(),
        "id": t.id, "title": t.title, "fancy_title": escape(&t.title), "slug": t.slug,
        "posts_count": t.posts.len(), "created_at": ts(t.created_at), "last_posted_at": ts(t.bumped_at),
        "category_id": t.category_id, "user_id": t.user_id, "archetype": "regular", "visible": true,
        "highest_post_number": t.posts.len(), "draft_key": format!("topic_{}", t.id),
        "details": {"created_by": creator.clone(), "last_poster": creator, "can_create_post": viewer.is_some(),
            "participants": participants(forum, t)},
    })
}

fn participants(forum: &Forum, t: &TopicRec) -> Vec<Value> {
    let mut counts: Vec<(i64, usize)> = Vec::new();
    for p in t.posts.iter().filter_map(|id| forum.posts.get(id)) {
        match counts.iter_mut().find(|(u, _)| *u == p.user_id) {
            Some((_, n)) => *n += 1,
            None => counts.push((p.user_id, 1)),
        }
    }
    counts
        .into_iter()
        .map(|(id, n)| {
            let u = forum.user(id);
            json!({"id": id, "username": username(forum, id), "name": username(forum, id),
                "avatar_template": "/letter_avatar_proxy/v4/letter/a/df705f/{size}.png",
                "post_count": n, "admin": u.is_some_and(|u| u.admin), "moderator": false, "trust_level": 1})
        })
        .collect()
}

pub fn user(u: &User) -> Value {
    json!({"user_badges": [], "user": {"id": u.id, "username": u.username, "name": u.username,
        "avatar_template": "/letter_avatar_proxy/v4/letter/a/df705f/{size}.png",
        "admin": u.admin, "moderator": u.moderator, "trust_level": 1}})
}

pub fn notifications(forum: &Forum, viewer: &User) -> Value {
    let list: Vec<Value> = forum
        .notifications
        .iter()
        .rev()
        .filter(|n| n.user_id == viewer.id)
        .map(|n| {
            let t = forum.topics.get(&n.topic_id);
            json!({"id": n.id, "user_id": n.user_id, "notification_type": n.notification_type,
                "read": false, "created_at": ts(n.created_at), "post_number": n.post_number,
                "topic_id": n.topic_id, "slug": t.map(|t| t.slug.clone()),
                "data": {"topic_title": t.map(|t| t.title.clone()), "display_username": n.by,
                    "original_username": n.by}})
        })
        .collect();
    json!({"notifications": list, "total_rows_notifications": list.len(), "seen_notification_id": 0})
}
