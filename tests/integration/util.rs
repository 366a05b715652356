//! Helpers shared by the integration tests.

use std::path::PathBuf;

use assert_cmd::Command;

/// The `gostatic` binary in a scrubbed environment: no colour variables, no terminal.
pub fn gostatic() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gostatic"));
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM", "COLUMNS"] {
        cmd.env_remove(var);
    }
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/bin")
        .join(name)
}

pub fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}
