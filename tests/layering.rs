//! The shape of the code, checked: the core never imports the GUI toolkit, the window never
//! imports the command line, views never reach for the app shell, and the window's modules import
//! each other without a circle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The code of a file without comments (doc comments mention crates freely).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn src(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(sub)
}

#[test]
fn the_core_never_imports_the_gui_toolkit() {
    for file in rust_files(&src("core")) {
        let text = code(&file);
        for word in ["egui", "eframe"] {
            assert!(
                !text.contains(word),
                "{} mentions {word}: the core must not depend on the GUI",
                file.display()
            );
        }
    }
}

#[test]
fn the_window_never_imports_the_command_line() {
    for file in rust_files(&src("ui")) {
        let text = code(&file);
        assert!(
            !text.contains("crate::cli") && !text.contains("wan_studio::cli"),
            "{} imports the command line; shared helpers belong in the core",
            file.display()
        );
    }
}

/// `super::NAME` modules each window file uses.
fn ui_imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for file in rust_files(&src("ui")) {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = code(&file);
        let mut uses = BTreeSet::new();
        for (i, _) in text.match_indices("super::") {
            let rest = &text[i + "super::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !module.is_empty() && module != "super" && module != name {
                uses.insert(module);
            }
        }
        graph.insert(name, uses);
    }
    graph
}

#[test]
fn views_never_reach_for_the_app_shell() {
    for (file, uses) in ui_imports() {
        if file == "app" || file == "mod" {
            continue;
        }
        assert!(
            !uses.contains("app"),
            "{file}.rs imports the app shell: a view gets a ViewCx and returns Actions"
        );
        let text = code(&src("ui").join(format!("{file}.rs")));
        assert!(
            !text.contains("StudioApp"),
            "{file}.rs names StudioApp: views must not hold the app"
        );
    }
}

/// Depth-first search for a back edge: panics with the circle if there is one.
fn visit(
    node: &str,
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) {
    if done.contains(node) {
        return;
    }
    if let Some(at) = path.iter().position(|n| n == node) {
        panic!("import circle: {} -> {node}", path[at..].join(" -> "));
    }
    path.push(node.to_owned());
    for next in graph.get(node).into_iter().flatten() {
        if graph.contains_key(next) {
            visit(next, graph, path, done);
        }
    }
    path.pop();
    done.insert(node.to_owned());
}

#[test]
fn the_window_modules_import_each_other_without_a_circle() {
    let graph = ui_imports();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}
