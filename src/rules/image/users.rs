//! GS601 root-user and GS602 unknown-user: who the container runs as, judged the way runc's
//! `GetExecUser` resolves `User` (libcontainer/user/user.go): empty means root; a numeric part
//! is an id and needs no line in /etc/passwd or /etc/group; a name must be found there, and a
//! missing file finds nothing ("unable to find user app: no matching entries in passwd file").

use super::accounts::{ExecUser, Root, Unknown};
use crate::rules::{Finding, Rule};

pub(super) fn check(user: &ExecUser, out: &mut Vec<Finding>) {
    let raw = &user.configured;
    if let Some(root) = user.root {
        let why = match root {
            Root::NoUser => "no USER in the config".to_string(),
            Root::NoUserPart => format!("USER {raw} names no user, so uid 0"),
            Root::Named => format!("USER {raw}"),
            Root::UidZero => format!("USER {raw}: {} is uid 0 in /etc/passwd", user.user),
        };
        out.push(Finding::new(
            Rule::RootUser,
            format!("the image runs as root ({why})"),
            Rule::RootUser.info().fix,
        ));
    }
    let fix = Rule::UnknownUser.info().fix;
    for unknown in &user.unknown {
        let (message, at) = match unknown {
            Unknown::User { name, no_file } => (
                format!(
                    "USER {name} is not in /etc/passwd{}",
                    if *no_file {
                        " (the image has no /etc/passwd)"
                    } else {
                        ""
                    }
                ),
                "/etc/passwd",
            ),
            Unknown::Group { name, no_file } => (
                format!(
                    "group {name} of USER is not in /etc/group{}",
                    if *no_file {
                        " (the image has no /etc/group)"
                    } else {
                        ""
                    }
                ),
                "/etc/group",
            ),
        };
        let key = match unknown {
            Unknown::User { name, .. } => format!("user {name}"),
            Unknown::Group { name, .. } => format!("group {name}"),
        };
        out.push(
            Finding::new(Rule::UnknownUser, message, fix)
                .at(at)
                .keyed(key),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::accounts::Accounts;
    use super::*;
    use crate::testkit::image::one_layer;

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n\
        toor:x:0:0::/root:/bin/sh\n";
    const GROUP: &[u8] = b"root:x:0:\napp:x:1000:\n";

    fn findings(user: &str, passwd: Option<&[u8]>, group: Option<&[u8]>) -> Vec<Finding> {
        let mut image = one_layer(|tar| {
            tar.dir("etc");
            if let Some(passwd) = passwd {
                tar.file_mode("etc/passwd", 0o644, passwd);
            }
            if let Some(group) = group {
                tar.file_mode("etc/group", 0o644, group);
            }
            tar
        });
        image.config.user = user.to_string();
        let mut out = Vec::new();
        let accounts = Accounts::read(&image.tree);
        check(&ExecUser::resolve(&image.config.user, &accounts), &mut out);
        out
    }

    fn messages(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| format!("{} {}", f.rule.id(), f.message))
            .collect()
    }

    #[test]
    fn root_in_every_spelling_is_reported() {
        for (user, why) in [
            ("", "no USER in the config"),
            ("0", "USER 0"),
            ("root", "USER root"),
            ("0:0", "USER 0:0"),
            ("root:root", "USER root:root"),
            ("toor", "USER toor: toor is uid 0 in /etc/passwd"),
        ] {
            let found = findings(user, Some(PASSWD), Some(GROUP));
            assert_eq!(
                messages(&found),
                [format!("GS601 the image runs as root ({why})")],
                "{user}"
            );
        }
    }

    #[test]
    fn a_non_root_user_is_fine() {
        for user in [
            "app",
            "1000",
            "1000:1000",
            "app:app",
            "65532:65532",
            "1000:0",
        ] {
            let found = findings(user, Some(PASSWD), Some(GROUP));
            assert!(found.is_empty(), "{user}: {:?}", messages(&found));
        }
    }

    #[test]
    fn numeric_ids_need_no_entry() {
        assert!(findings("65532:65532", None, None).is_empty());
        assert!(findings("4242", Some(PASSWD), Some(GROUP)).is_empty());
    }

    #[test]
    fn a_named_user_must_be_in_passwd() {
        assert_eq!(
            messages(&findings("nobody", Some(PASSWD), Some(GROUP))),
            ["GS602 USER nobody is not in /etc/passwd"]
        );
        let found = findings("app", None, None);
        assert_eq!(
            messages(&found),
            ["GS602 USER app is not in /etc/passwd (the image has no /etc/passwd)"]
        );
        assert_eq!(found[0].image_path.as_deref(), Some("/etc/passwd"));
        // runc finds no `root` line in a missing file either: both rules speak.
        assert_eq!(
            messages(&findings("root", None, None)),
            [
                "GS601 the image runs as root (USER root)",
                "GS602 USER root is not in /etc/passwd (the image has no /etc/passwd)"
            ]
        );
    }

    #[test]
    fn a_named_group_must_be_in_group() {
        assert_eq!(
            messages(&findings("1000:staff", Some(PASSWD), Some(GROUP))),
            ["GS602 group staff of USER is not in /etc/group"]
        );
        assert_eq!(
            messages(&findings("app:app", Some(PASSWD), None)),
            ["GS602 group app of USER is not in /etc/group (the image has no /etc/group)"]
        );
    }
}
