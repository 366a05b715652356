//! The resolver and the account model on synthetic images: what runc's `GetExecUser` and
//! `exec.LookPath` would make of `User`, `Entrypoint`, `Cmd`, `Env` and `WorkingDir`.

use super::*;
use crate::rules::image::accounts::{Accounts, ExecUser, Root};
use crate::testkit::image::{Config, Layer, image};

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

/// The image of `layer` run as `user` with this entrypoint, env and working directory.
fn resolve(
    layer: &Layer,
    user: &str,
    entrypoint: &[&str],
    env: &[&str],
    workdir: &str,
) -> (ExecUser, Command) {
    let mut image = image(layer, Config::default());
    image.config.user = user.to_string();
    image.config.entrypoint = Some(words(entrypoint));
    image.config.cmd = None;
    image.config.env = words(env);
    image.config.working_dir = workdir.to_string();
    let user = ExecUser::resolve(&image.config.user, &Accounts::read(&image.tree));
    let command = Command::resolve(&image, &user);
    (user, command)
}

const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
const GROUP: &[u8] = b"root:x:0:\napp:x:1000:\nops:x:50:app\n";

fn accounts() -> Layer {
    let mut tar = Layer::new();
    tar.file_mode("etc/passwd", 0o644, PASSWD)
        .file_mode("etc/group", 0o644, GROUP);
    tar
}

#[test]
fn simple_shell_commands_split_into_words() {
    assert_eq!(
        simple_words("exec /server --port 80"),
        Some(words(&["/server", "--port", "80"]))
    );
    assert_eq!(simple_words("/server $PORT"), None);
    assert_eq!(simple_words("a && b"), None);
    assert_eq!(simple_words("   "), None);
}

#[test]
fn the_account_model_gives_what_get_exec_user_gives() {
    let mut tar = accounts();
    let image = image(tar.dir("tmp"), Config::default());
    let accounts = Accounts::read(&image.tree);
    let app = ExecUser::resolve("app", &accounts);
    let identity = app.identity.as_ref().unwrap();
    assert_eq!(
        (identity.uid, identity.gid, &identity.supplementary[..]),
        (1000, 1000, &[50][..])
    );
    assert_eq!(identity.home, "/home/app");
    assert!(app.resolves() && app.root.is_none() && app.names_an_account());
    // A number needs no line; without one, runc's defaults: gid 0, home /.
    let numeric = ExecUser::resolve("4242", &accounts);
    let identity = numeric.identity.as_ref().unwrap();
    assert_eq!((identity.uid, identity.gid), (4242, 0));
    assert_eq!(identity.home, "/");
    assert!(numeric.resolves() && !numeric.names_an_account());
    // An explicit group replaces the supplementary ones.
    let grouped = ExecUser::resolve("app:app", &accounts);
    assert!(grouped.identity.unwrap().supplementary.is_empty());
    for (user, why) in [
        ("", Root::NoUser),
        (":1000", Root::NoUserPart),
        ("root", Root::Named),
        ("0:0", Root::Named),
    ] {
        assert_eq!(ExecUser::resolve(user, &accounts).root, Some(why), "{user}");
    }
    let nobody = ExecUser::resolve("nobody", &accounts);
    assert!(!nobody.resolves() && nobody.identity.is_none());
    // A stage that does not copy /etc/passwd cannot resolve the name.
    assert!(!ExecUser::resolve("app", &accounts.keeping(false, true)).resolves());
}

#[test]
fn path_search_skips_a_file_the_user_may_not_execute() {
    let mut tar = accounts();
    tar.file_mode("opt/bin/server", 0o700, b"x")
        .file_mode("usr/bin/server", 0o755, b"x");
    let env = ["PATH=/opt/bin:/usr/bin"];
    let (_, command) = resolve(&tar, "1000", &["server"], &env, "");
    let program = command.program.unwrap();
    assert!(command.problem.is_none());
    assert_eq!(program.path, "/usr/bin/server");
    assert_eq!(program.found, Found::PathEntry("/usr/bin".into()));
    // Root may execute the first: any execute bit will do.
    let (_, command) = resolve(&tar, "0", &["server"], &env, "");
    assert_eq!(command.program.unwrap().path, "/opt/bin/server");
    // Only a file the user may not execute: no program, and the file is named.
    let (_, command) = resolve(&tar, "1000", &["server"], &["PATH=/opt/bin"], "");
    assert!(command.program.is_none());
    assert!(matches!(
        command.problem,
        Some(Problem::OnlyNotExecutableInPath { ref at, .. }) if at == "/opt/bin/server"
    ));
}

#[test]
fn the_group_bit_counts_for_a_supplementary_group() {
    let mut tar = accounts();
    tar.file_owned("ops-tool", 0o750, (0, 50), b"x");
    let (_, command) = resolve(&tar, "app", &["/ops-tool"], &[], "");
    assert!(command.problem.is_none(), "{:?}", command.problem);
    // Naming the group in USER drops the supplementary groups, as runc does.
    let (_, command) = resolve(&tar, "app:app", &["/ops-tool"], &[], "");
    assert!(matches!(
        command.problem,
        Some(Problem::NotExecutable { .. })
    ));
    assert_eq!(
        command.program.unwrap().real,
        "/ops-tool",
        "the file is still named"
    );
}

#[test]
fn root_may_execute_with_any_execute_bit() {
    let mut tar = Layer::new();
    tar.file_owned("only-other", 0o601, (1000, 1000), b"x")
        .file_owned("none", 0o644, (0, 0), b"x");
    let (_, command) = resolve(&tar, "", &["/only-other"], &[], "");
    assert!(command.problem.is_none());
    let (_, command) = resolve(&tar, "root", &["/none"], &[], "");
    assert!(matches!(
        command.problem,
        Some(Problem::NotExecutable { .. })
    ));
}

#[test]
fn a_relative_name_is_taken_from_the_working_directory() {
    let mut tar = Layer::new();
    tar.file_mode("srv/app/bin/run", 0o755, b"x");
    let (_, command) = resolve(&tar, "", &["bin/run"], &[], "/srv/app");
    let program = command.program.unwrap();
    assert_eq!(
        (program.path.as_str(), &program.found),
        ("/srv/app/bin/run", &Found::Relative)
    );
    // A relative PATH entry too.
    let (_, command) = resolve(&tar, "", &["run"], &["PATH=bin"], "/srv/app");
    assert_eq!(command.program.unwrap().path, "/srv/app/bin/run");
}

#[test]
fn a_symlinked_entrypoint_is_named_as_written_and_resolved_inside_the_root() {
    let mut tar = Layer::new();
    tar.dir("usr/local/bin")
        .file_mode("opt/app/server", 0o755, b"x")
        .symlink("usr/local/bin/server", "../../../../opt/app/server");
    let (_, command) = resolve(&tar, "", &["server"], &[], "");
    let program = command.program.clone().unwrap();
    assert_eq!(program.path, "/usr/local/bin/server");
    assert_eq!(program.real, "/opt/app/server");
    assert_eq!(command.entry_program().unwrap().real, "/opt/app/server");
}

#[test]
fn the_shell_form_needs_bin_sh() {
    let mut tar = Layer::new();
    tar.file_mode("server", 0o755, b"x");
    let (_, command) = resolve(&tar, "", &["/bin/sh", "-c", "/server"], &[], "");
    assert!(matches!(command.problem, Some(Problem::NoShell { ref at }) if at == "/bin/sh"));
    assert!(command.program.is_none());
    // The command the shell was to run is still found: a final stage execs it directly.
    let shell = command.shell.as_ref().unwrap();
    assert_eq!(shell.words, ["/server"]);
    assert_eq!(command.entry_program().unwrap().path, "/server");
}

#[test]
fn busybox_as_bin_sh_is_looked_through() {
    let mut tar = Layer::new();
    tar.file_mode("bin/busybox", 0o755, b"x")
        .symlink("bin/sh", "busybox")
        .file_mode("server", 0o755, b"x");
    let (_, command) = resolve(
        &tar,
        "",
        &["/bin/sh", "-c", "exec server --port 80"],
        &["PATH=/bin:/"],
        "",
    );
    assert!(command.problem.is_none());
    assert_eq!(command.program.as_ref().unwrap().real, "/bin/busybox");
    let shell = command.shell.as_ref().unwrap();
    assert_eq!(shell.words, ["server", "--port", "80"]);
    assert!(shell.problem.is_none());
    assert_eq!(command.entry_program().unwrap().path, "/server");
    // Shell syntax is not looked through: the shell is the program.
    let (_, command) = resolve(&tar, "", &["/bin/sh", "-c", "server $PORT"], &[], "");
    assert!(command.shell.is_none());
    assert_eq!(command.entry_program().unwrap().real, "/bin/busybox");
}
