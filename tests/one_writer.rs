//! Every file roomscribe writes goes through the one atomic writer (`roomscribe_files`), so a
//! crash mid-write never leaves a broken session, key, draft or record (the crash itself is
//! tested in crates/files). This walks the shipped source and refuses any other writer.

use std::path::Path;

/// Writers that are not allowed outside crates/files (and test code).
const WRITERS: &[&str] = &[
    "fs::write(",
    "File::create(",
    "OpenOptions::new(",
    ".persist(",
    "fs::rename(",
];

/// The log is appended to, not replaced: its own opener (0600) in src/logging.rs. The terminal
/// is opened to read keys, never written; the cache's lock file is opened to be locked.
const ALLOWED: &[(&str, &str)] = &[
    ("src/logging.rs", "OpenOptions::new("),
    ("src/tui/input/mod.rs", "OpenOptions::new("),
    ("crates/matrix/src/cache.rs", "OpenOptions::new("),
];

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_file_write_goes_through_the_one_atomic_writer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    for krate in ["transcript", "matrix", "discourse"] {
        walk(&root.join("crates").join(krate).join("src"), &mut files);
    }
    let mut found = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        // Unit tests sit at the end of a file; they may write fixtures as they like.
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in shipped.lines().enumerate() {
            for w in WRITERS {
                let allowed = ALLOWED.iter().any(|(f, a)| *f == rel && a == w);
                if line.contains(w) && !allowed && !line.trim_start().starts_with("//") {
                    found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "write through roomscribe_files::write_private:\n{}",
        found.join("\n")
    );
    assert!(files.len() > 50, "the walk found the sources");
}
