//! The shape of the code, checked: the core never imports the GUI toolkit, the window never
//! imports the command line, views never reach for the app shell, the window's modules and the
//! core's import each other without a circle, only the shell's own file implements `StudioApp`,
//! and no file grows past its size (as rerun's `check_large_files`).
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

/// A module's path under `src` (`ui::app::sending` for `src/ui/app/sending.rs`, `ui::app` for its
/// `mod.rs`).
fn module_of(file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .unwrap();
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The modules under `src/<top>` and, for each, the other modules of that tree it names
/// (`crate::…`, `super::…`, `self::…` paths resolved to the longest module they reach). A
/// module's own parents and children are left out: a parent declares its children, and a child
/// may use what its parent holds.
fn module_graph(top: &str) -> BTreeMap<String, BTreeSet<String>> {
    let files = rust_files(&src(top));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    let longest = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|m| modules.contains(m))
    };
    let mut graph = BTreeMap::new();
    for file in &files {
        let me = module_of(file);
        let text = code(file);
        let mut uses = BTreeSet::new();
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let bytes: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < bytes.len() {
            let starts = i == 0 || !(ident(bytes[i - 1]) || bytes[i - 1] == ':');
            if !starts || !ident(bytes[i]) {
                i += 1;
                continue;
            }
            // A path: identifiers joined by `::`.
            let mut segments = Vec::new();
            let mut j = i;
            loop {
                let from = j;
                while j < bytes.len() && ident(bytes[j]) {
                    j += 1;
                }
                segments.push(bytes[from..j].iter().collect::<String>());
                if j + 2 < bytes.len()
                    && bytes[j] == ':'
                    && bytes[j + 1] == ':'
                    && ident(bytes[j + 2])
                {
                    j += 2;
                } else {
                    break;
                }
            }
            i = j.max(i + 1);
            let mut base: Vec<String> = match segments[0].as_str() {
                "crate" => Vec::new(),
                "super" | "self" => me.clone(),
                _ => continue,
            };
            let mut rest = &segments[..];
            if rest[0] == "crate" {
                rest = &rest[1..];
            } else {
                // `super::` from a module's own file goes to its parent.
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                if rest.first().is_some_and(|s| s == "self") {
                    rest = &rest[1..];
                }
            }
            base.extend(rest.iter().cloned());
            if let Some(target) = longest(&base)
                && target.first().is_some_and(|t| t == top)
                && !target.starts_with(&me)
                && !me.starts_with(&target)
            {
                uses.insert(target.join("::"));
            }
        }
        graph.insert(me.join("::"), uses);
    }
    graph
}

#[test]
fn views_never_reach_for_the_app_shell() {
    for (module, uses) in module_graph("ui") {
        if module == "ui" || module == "ui::app" || module.starts_with("ui::app::") {
            continue;
        }
        assert!(
            !uses
                .iter()
                .any(|u| u == "ui::app" || u.starts_with("ui::app::")),
            "{module} imports the app shell: a view gets a ViewCx and returns Actions"
        );
    }
    for file in rust_files(&src("ui")) {
        let module = module_of(&file).join("::");
        if module == "ui" || module.starts_with("ui::app") {
            continue;
        }
        assert!(
            !code(&file).contains("StudioApp"),
            "{} names StudioApp: views must not hold the app",
            file.display()
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

fn no_circle(graph: &BTreeMap<String, BTreeSet<String>>) {
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_window_modules_import_each_other_without_a_circle() {
    no_circle(&module_graph("ui"));
}

#[test]
fn the_core_modules_import_each_other_without_a_circle() {
    let graph = module_graph("core");
    assert!(graph.len() > 20, "the core's modules were found: {graph:?}");
    no_circle(&graph);
}

#[test]
fn the_circle_check_finds_a_circle() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    let found = std::panic::catch_unwind(|| no_circle(&graph));
    assert!(found.is_err(), "a -> b -> a is a circle");
}

#[test]
fn only_the_shell_s_own_file_implements_studio_app() {
    for file in rust_files(&src("")) {
        let module = module_of(&file).join("::");
        if module == "ui::app" {
            continue;
        }
        assert!(
            !code(&file).contains("impl StudioApp"),
            "{} adds methods to StudioApp: an area owns its state in its own struct",
            file.display()
        );
    }
}

#[test]
fn no_source_file_is_over_1200_lines_and_the_shell_at_most_900() {
    for file in rust_files(&src("")) {
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        let limit = if module_of(&file).join("::") == "ui::app" {
            900
        } else {
            1200
        };
        assert!(
            lines <= limit,
            "{} has {lines} lines (at most {limit}): split it by concern",
            file.display()
        );
    }
}
