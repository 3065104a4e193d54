//! The crate's module graph, read from its sources: no module reaches another
//! that reaches it back, and the pure core (`src/core/`) names no I/O crate
//! and no module of the worker shell.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Crates the core must not use: the broker, the database, the async
/// runtime, the services' contracts.
const IO_CRATES: [&str; 7] = [
    "async_nats",
    "chatorder_bus",
    "chatorder_db",
    "diesel",
    "diesel_async",
    "tokio",
    "chatorder_shared",
];

/// `core::model` for `src/core/model.rs`, `worker` for `src/worker.rs`.
fn module_name(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules `text` names with a `crate::` path outside comments, among `modules`.
fn uses(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
    for line in code {
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            found.extend(longest_module(&path, modules));
        }
    }
    found
}

/// The longest module that prefixes `path`: `core::model::X` → `core::model`.
fn longest_module(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let mut best = None;
    let mut prefix = String::new();
    for seg in path.split("::").filter(|s| !s.is_empty()) {
        if !prefix.is_empty() {
            prefix.push_str("::");
        }
        prefix.push_str(seg);
        if modules.contains(&prefix) {
            best = Some(prefix.clone());
        }
    }
    best
}

/// The module graph: each module and the modules it names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_name(&src, f))
        .filter(|m| m != "lib")
        .collect();
    files
        .iter()
        .filter(|f| module_name(&src, f) != "lib")
        .map(|f| {
            let me = module_name(&src, f);
            let text = std::fs::read_to_string(f).expect("readable source");
            let mut used = uses(&text, &modules);
            used.remove(&me);
            (me, used)
        })
        .collect()
}

/// A cycle through `from`, if there is one.
fn cycle(
    g: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|p| p == from) {
        let mut c = path[i..].to_vec();
        c.push(from.to_owned());
        return Some(c);
    }
    path.push(from.to_owned());
    for next in g.get(from).into_iter().flatten() {
        if let Some(c) = cycle(g, next, path) {
            return Some(c);
        }
    }
    path.pop();
    None
}

#[test]
fn no_module_reaches_one_that_reaches_it_back() {
    let g = graph();
    assert!(
        g.contains_key("core::model") && g.contains_key("worker"),
        "{g:?}"
    );
    for m in g.keys() {
        if let Some(c) = cycle(&g, m, &mut Vec::new()) {
            panic!("module cycle: {}", c.join(" → "));
        }
    }
}

#[test]
fn the_core_names_no_io_crate_and_no_shell_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("core"), &mut files);
    assert!(files.len() > 10, "the core's files: {files:?}");
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable source");
        for io in IO_CRATES {
            assert!(
                !text.contains(&format!("{io}::")),
                "{} uses {io}",
                f.display()
            );
        }
    }
    for (m, used) in graph().iter().filter(|(m, _)| m.starts_with("core")) {
        for u in used {
            assert!(u.starts_with("core"), "{m} uses the shell module {u}");
        }
    }
}
