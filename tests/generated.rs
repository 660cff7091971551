//! The committed completions and man pages must be what `rclust generate` writes now, so
//! that they never drift from the flags.

use std::path::Path;

use crate::harness::rclust;

fn assert_same_tree(committed: &Path, fresh: &Path) {
    let mut names: Vec<_> = std::fs::read_dir(fresh)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let want = std::fs::read(fresh.join(&name)).unwrap();
        let have = std::fs::read(committed.join(&name)).unwrap_or_default();
        assert!(
            want == have,
            "{} is stale: run `cargo run -- generate` and commit the result",
            committed.join(&name).display()
        );
    }
}

#[test]
fn completions_and_man_pages_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    let (comp, man) = (tmp.path().join("completions"), tmp.path().join("man"));
    rclust()
        .args(["generate", "--completions"])
        .arg(&comp)
        .arg("--man")
        .arg(&man)
        .assert()
        .success();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_same_tree(&root.join("completions"), &comp);
    assert_same_tree(&root.join("man"), &man);
}

/// Whether `shell` is installed; under CI=true it must be (.ci/run installs it).
fn have(program: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("{program} is not installed and CI=true");
    }
    found
}

/// Runs a shell snippet in the project root; asserts it succeeds without complaint.
fn shell_ok(shell: &str, script: &str) -> String {
    let out = std::process::Command::new(shell)
        .args(if shell == "zsh" {
            vec!["-fc", script]
        } else {
            vec!["-c", script]
        })
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "{shell}: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn completions_load_in_bash_zsh_and_fish() {
    if have("bash") {
        let out = shell_ok(
            "bash",
            "source completions/rclust.bash && complete -p rclust",
        );
        assert!(out.contains("-F _rclust rclust"), "{out}");
    }
    if have("zsh") {
        let tmp = tempfile::tempdir().unwrap();
        let script = format!(
            "autoload -U compinit && compinit -u -d {}/zcd && source completions/_rclust && whence -w _rclust",
            tmp.path().display()
        );
        assert!(shell_ok("zsh", &script).contains("_rclust: function"));
    }
    if have("fish") {
        let out = shell_ok(
            "fish",
            "source completions/rclust.fish; complete -C'rclust cr'",
        );
        assert!(out.starts_with("create"), "{out}");
    }
}

#[test]
fn man_page_renders() {
    if !have("man") {
        return;
    }
    let out = std::process::Command::new("man")
        .args(["-l", "man/rclust.1"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("rclust - Create, check, grow and repair Redis Clusters"),
        "{text}"
    );
    assert!(text.contains("add-node"), "{text}");
}
