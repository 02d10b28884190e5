//! `cargo xtask add-operation-check`: "add an operation" is a checklist the compiler keeps.
//!
//! Copies the checkout's tracked files, adds a throwaway operation to the copy's spec and
//! builds everything there. The build must fail, and its errors must name each place that
//! handles every operation by `OperationId` (the sandbox's dispatch, the CLI's mapping), so a
//! maintainer who adds an operation is led to each file to edit. The inventory tests
//! (`tests/operations.rs`, `tests/live.rs`, `tests/sandbox.rs`) name what is still missing once
//! it compiles.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The operation added to the copy: a GET beside the teams, answering a team.
const THROWAWAY: &str = "
  /team-management/v1/throwaway-check/:
    get:
      operationId: get_throwaway_check
      tags: [teams]
      summary: A throwaway operation
      description: Added by cargo xtask add-operation-check to a copy of the spec.
      responses:
        '200':
          description: A team.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Team'
";

/// Where the compiler must send a maintainer: path fragments of the files that match on
/// `OperationId` exhaustively.
pub const EXPECTED_PLACES: &[&str] = &["src/sandbox/", "src/cli/"];

pub fn add_operation_check(root: &Path) -> Result<(), String> {
    let work = root.join("target/add-operation-check");
    let copy = work.join("checkout");
    if copy.exists() {
        std::fs::remove_dir_all(&copy).map_err(|error| format!("cannot clear {}: {error}", copy.display()))?;
    }
    copy_tracked_files(root, &copy)?;
    let spec_path = copy.join("openapi/accounts.yaml");
    let spec = std::fs::read_to_string(&spec_path).map_err(|error| error.to_string())?;
    std::fs::write(&spec_path, with_throwaway(&spec)?).map_err(|error| error.to_string())?;

    println!("building a copy of the checkout with operation get_throwaway_check added to its spec …");
    let output = Command::new(env!("CARGO"))
        .args(["check", "--all-features", "--all-targets", "--message-format", "short", "-p", "sauce-accounts"])
        .current_dir(&copy)
        // The checkout's own target directory: dependencies are already built there.
        .env("CARGO_TARGET_DIR", root.join("target/add-operation-check/target"))
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    let messages = String::from_utf8_lossy(&output.stderr);
    let named = places_named(&messages);
    if output.status.success() {
        return Err("the copy with a new operation compiled: nothing makes the compiler name the places to edit".into());
    }
    for (place, lines) in &named {
        println!("the compiler names {place}:");
        for line in lines {
            println!("  {line}");
        }
    }
    let missing: Vec<&&str> =
        EXPECTED_PLACES.iter().filter(|place| !named.iter().any(|(file, _)| file.starts_with(**place))).collect();
    if !missing.is_empty() {
        return Err(format!(
            "a new operation did not make the compiler name {missing:?}; its errors were:\n{}",
            messages.lines().filter(|line| line.contains("error")).collect::<Vec<_>>().join("\n")
        ));
    }
    println!(
        "add-operation-check: the compiler names every place that handles each operation ({})",
        EXPECTED_PLACES.join(", ")
    );
    Ok(())
}

fn with_throwaway(spec: &str) -> Result<String, String> {
    let at = spec.find("\npaths:\n").ok_or("the spec has no `paths:` section")?;
    let insert_at = at + "\npaths:\n".len() - 1;
    Ok(format!("{}{}{}", &spec[..insert_at], THROWAWAY.trim_end(), &spec[insert_at..]))
}

/// The files named by errors that mention the new operation, with those errors.
pub fn places_named(messages: &str) -> Vec<(String, Vec<String>)> {
    let mut places: Vec<(String, Vec<String>)> = Vec::new();
    for line in messages.lines() {
        if !line.contains("error") || !(line.contains("GetThrowawayCheck") || line.contains("get_throwaway_check")) {
            continue;
        }
        let file = line.split(':').next().unwrap_or_default().to_string();
        match places.iter_mut().find(|(known, _)| *known == file) {
            Some((_, lines)) => lines.push(line.to_string()),
            None => places.push((file, vec![line.to_string()])),
        }
    }
    places
}

fn copy_tracked_files(root: &Path, copy: &Path) -> Result<(), String> {
    let listing = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(root)
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if !listing.status.success() {
        return Err("git ls-files failed: add-operation-check runs in a git checkout".into());
    }
    for name in listing.stdout.split(|byte| *byte == 0).filter(|name| !name.is_empty()) {
        let relative = PathBuf::from(String::from_utf8_lossy(name).as_ref());
        let (from, to) = (root.join(&relative), copy.join(&relative));
        if !from.is_file() {
            continue;
        }
        std::fs::create_dir_all(to.parent().expect("a file has a folder")).map_err(|error| error.to_string())?;
        std::fs::copy(&from, &to).map_err(|error| format!("cannot copy {}: {error}", relative.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throwaway_operation_is_added_to_the_paths() {
        let spec = "openapi: 3.0.3\npaths:\n  /a/:\n    get: {}\n";
        let changed = with_throwaway(spec).unwrap();
        let parsed: serde_json::Value = serde_norway::from_str(&changed).unwrap();
        assert!(parsed["paths"]["/team-management/v1/throwaway-check/"]["get"]["operationId"] == "get_throwaway_check");
        assert!(parsed["paths"]["/a/"].is_object());
    }

    #[test]
    fn errors_are_grouped_by_the_file_they_name() {
        let messages = "src/sandbox/handlers/mod.rs:10:5: error[E0004]: non-exhaustive patterns: `OperationId::GetThrowawayCheck` not covered\n\
                        src/cli/map.rs:3:1: error[E0004]: non-exhaustive patterns: `GetThrowawayCheck` not covered\n\
                        src/other.rs:1:1: error: unrelated\n";
        let places = places_named(messages);
        let files: Vec<&str> = places.iter().map(|(file, _)| file.as_str()).collect();
        assert_eq!(files, ["src/sandbox/handlers/mod.rs", "src/cli/map.rs"]);
    }
}
