//! The update layer has a shape: `keys.rs` and `mouse.rs` dispatch, nothing imports them, and
//! no module of `src/tui/update/` reaches another one that reaches back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Sibling modules each file of `src/tui/update/` uses (`super::x`, `use super::{x, y}`,
/// `crate::tui::update::x`).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui/update");
    let mut names = BTreeSet::new();
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("src/tui/update") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .to_string();
        if name == "mod" || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        names.insert(name.clone());
        texts.push((name, std::fs::read_to_string(&path).expect("read")));
    }
    let mut graph = BTreeMap::new();
    for (name, text) in texts {
        let text = text.replace(char::is_whitespace, "");
        let mut uses = BTreeSet::new();
        for other in &names {
            let braced = text.match_indices("usesuper::{").any(|(i, _)| {
                let rest = &text[i + 11..];
                let list = &rest[..rest.find('}').unwrap_or(0)];
                list.split(',').any(|m| m == other)
            });
            let direct = [
                format!("super::{other}::"),
                format!("super::{other};"),
                format!("crate::tui::update::{other}"),
            ]
            .iter()
            .any(|p| text.contains(p.as_str()));
            if other != &name && (braced || direct) {
                uses.insert(other.clone());
            }
        }
        graph.insert(name, uses);
    }
    graph
}

#[test]
fn dispatchers_are_imported_by_no_one() {
    let graph = imports();
    for (name, uses) in &graph {
        for d in ["keys", "mouse"] {
            assert!(!uses.contains(d), "{name}.rs imports the dispatcher {d}.rs");
        }
    }
    assert!(graph["keys"].contains("editor"), "the scan sees imports");
}

#[test]
fn no_module_of_update_imports_itself_in_a_circle() {
    let graph = imports();
    fn visit<'a>(
        n: &'a str,
        g: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(i) = path.iter().position(|p| *p == n) {
            panic!("import circle: {} -> {n}", path[i..].join(" -> "));
        }
        if !done.insert(n) {
            return;
        }
        path.push(n);
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        let mut path = Vec::new();
        done.clear();
        visit(n, &graph, &mut path, &mut done);
    }
}
