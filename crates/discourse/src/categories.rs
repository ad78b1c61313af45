//! Categories from `/site.json`: what the user can see, with subcategories and whether they may
//! start a topic there; resolving what a user typed (id, slug, parent/child, name).

use crate::api::Site;
use crate::client::Client;
use crate::error::{ForumError, Result};
use crate::types::Category;

/// Discourse's `permission` for "may create topics, reply and see".
const PERMISSION_FULL: u64 = 1;

pub async fn fetch(client: &Client) -> Result<Vec<Category>> {
    let site: Site = client.get("/site.json").await?;
    Ok(from_site(site))
}

/// Parents first, each followed by its children, in the forum's order.
pub fn from_site(site: Site) -> Vec<Category> {
    let mut cats: Vec<(i64, Category)> = site
        .categories
        .into_iter()
        .map(|c| {
            let pos = c.position.unwrap_or(i64::MAX);
            (
                pos,
                Category {
                    id: c.id,
                    name: c.name,
                    slug: c.slug,
                    parent_id: c.parent_category_id,
                    color: c.color,
                    read_restricted: c.read_restricted,
                    can_create_topic: c.permission == Some(PERMISSION_FULL),
                },
            )
        })
        .collect();
    cats.sort_by_key(|(pos, c)| (*pos, c.id));
    let all: Vec<Category> = cats.into_iter().map(|(_, c)| c).collect();
    let mut ordered = Vec::with_capacity(all.len());
    let is_top = |c: &Category| c.parent_id.is_none_or(|p| !all.iter().any(|x| x.id == p));
    for parent in all.iter().filter(|c| is_top(c)) {
        ordered.push(parent.clone());
        ordered.extend(
            all.iter()
                .filter(|c| c.parent_id == Some(parent.id))
                .cloned(),
        );
    }
    ordered
}

/// `slug` or `parent/child`: how Discourse's composer URL and our users name a category.
pub fn path(cat: &Category, all: &[Category]) -> String {
    match cat.parent_id.and_then(|p| all.iter().find(|c| c.id == p)) {
        Some(parent) => format!("{}/{}", parent.slug, cat.slug),
        None => cat.slug.clone(),
    }
}

/// Finds the category the user meant; ambiguity is an error that lists the candidates.
pub fn resolve<'a>(query: &str, all: &'a [Category]) -> Result<&'a Category> {
    let q = query.trim().trim_matches('/');
    if q.is_empty() {
        return Err(ForumError::Config("empty category".into()));
    }
    if let Ok(id) = q.parse::<u64>() {
        return all
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| not_found(query, all));
    }
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase();
    let named = |c: &Category, s: &str| eq(&c.slug, s) || eq(&c.name, s);
    let candidates: Vec<&Category> = if let Some((parent, child)) = q.split_once('/') {
        all.iter()
            .filter(|c| {
                named(c, child.trim())
                    && c.parent_id
                        .and_then(|p| all.iter().find(|x| x.id == p))
                        .is_some_and(|p| named(p, parent.trim()))
            })
            .collect()
    } else {
        let by_slug: Vec<&Category> = all.iter().filter(|c| eq(&c.slug, q)).collect();
        if by_slug.is_empty() {
            all.iter().filter(|c| eq(&c.name, q)).collect()
        } else {
            by_slug
        }
    };
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(not_found(query, all)),
        many => {
            let names: Vec<String> = many.iter().map(|c| path(c, all)).collect();
            Err(ForumError::Config(format!(
                "category {query:?} is ambiguous: {}",
                names.join(", ")
            )))
        }
    }
}

/// Resolves and checks the user may start a topic there.
pub fn resolve_for_posting<'a>(query: &str, all: &'a [Category]) -> Result<&'a Category> {
    let cat = resolve(query, all)?;
    if cat.can_create_topic {
        Ok(cat)
    } else {
        Err(ForumError::Config(format!(
            "you may not start topics in {:?}{}",
            path(cat, all),
            if cat.read_restricted {
                " (restricted category)"
            } else {
                ""
            }
        )))
    }
}

fn not_found(query: &str, all: &[Category]) -> ForumError {
    let known: Vec<String> = all.iter().take(12).map(|c| path(c, all)).collect();
    ForumError::Config(format!(
        "no category {query:?} (known: {})",
        if known.is_empty() {
            "none visible".to_string()
        } else {
            known.join(", ")
        }
    ))
}

/// The tree as text lines: one per category, children indented, marked when read-only.
pub fn tree_lines(all: &[Category]) -> Vec<String> {
    all.iter()
        .map(|c| {
            let indent = if c.parent_id.is_some() { "  " } else { "" };
            let mut flags = Vec::new();
            if !c.can_create_topic {
                flags.push("read-only");
            }
            if c.read_restricted {
                flags.push("restricted");
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            };
            format!("{indent}{}  {} (id {}){flags}", path(c, all), c.name, c.id)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: u64, name: &str, slug: &str, parent: Option<u64>, can: bool) -> Category {
        Category {
            id,
            name: name.into(),
            slug: slug.into(),
            parent_id: parent,
            color: "fff".into(),
            read_restricted: !can,
            can_create_topic: can,
        }
    }

    fn sample() -> Vec<Category> {
        vec![
            cat(1, "Support", "support", None, true),
            cat(2, "Chat logs", "chat", Some(1), true),
            cat(3, "Dev", "dev", None, true),
            cat(4, "Chat", "chat", Some(3), true),
            cat(5, "Staff", "staff", None, false),
        ]
    }

    #[test]
    fn resolves_every_form() {
        let all = sample();
        assert_eq!(resolve("2", &all).unwrap().id, 2);
        assert_eq!(resolve("support", &all).unwrap().id, 1);
        assert_eq!(resolve("Support/Chat", &all).unwrap().id, 2);
        assert_eq!(resolve("dev/chat", &all).unwrap().id, 4);
        assert_eq!(resolve("chat logs", &all).unwrap().id, 2);
        assert_eq!(resolve("STAFF", &all).unwrap().id, 5);
    }

    #[test]
    fn ambiguous_lists_candidates() {
        let all = sample();
        let err = resolve("chat", &all).unwrap_err().to_string();
        assert!(
            err.contains("support/chat") && err.contains("dev/chat"),
            "{err}"
        );
    }

    #[test]
    fn unknown_and_forbidden_are_errors() {
        let all = sample();
        assert!(
            resolve("nope", &all)
                .unwrap_err()
                .to_string()
                .contains("no category")
        );
        assert!(resolve("99", &all).is_err());
        let err = resolve_for_posting("staff", &all).unwrap_err().to_string();
        assert!(err.contains("may not"), "{err}");
    }

    #[test]
    fn tree_orders_children_under_parents() {
        let site: Site = serde_json::from_value(serde_json::json!({"categories": [
            {"id": 2, "name": "Child", "slug": "child", "color": "0", "parent_category_id": 1, "permission": 1, "position": 0},
            {"id": 3, "name": "Other", "slug": "other", "color": "0", "permission": 3, "position": 2},
            {"id": 1, "name": "Top", "slug": "top", "color": "0", "permission": 1, "position": 1}
        ]}))
        .unwrap();
        let all = from_site(site);
        let ids: Vec<u64> = all.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        assert!(!all[2].can_create_topic);
        assert_eq!(path(&all[1], &all), "top/child");
    }
}
