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
