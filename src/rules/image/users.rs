//! GS601 root-user and GS602 unknown-user: who the container runs as, judged the way runc's
//! `GetExecUser` resolves `User` (libcontainer/user/user.go): empty means root; a numeric part
//! is an id and needs no line in /etc/passwd or /etc/group; a name must be found there, and a
//! missing file finds nothing ("unable to find user app: no matching entries in passwd file").
//! GS611 named-user: the kubelet's runAsNonRoot check sees only what the CRI reports of the
//! image's `User`, the part before `:` as a uid when it parses as a number, else as a name
//! (containerd `getUserFromImage`, CRI-O `getUserFromImage`), and refuses a name
//! (`verifyRunAsNonRoot`, pkg/kubelet/kuberuntime/security_context_others.go).

use super::accounts::{ExecUser, Root, Unknown, numeric};
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
    named_user(user, out);
}

/// GS611, for a non-root user given by name: a root user is GS601's to report, and a name
/// runc cannot find GS602's (the container does not start anywhere).
fn named_user(user: &ExecUser, out: &mut Vec<Finding>) {
    let unknown = user
        .unknown
        .iter()
        .any(|u| matches!(u, Unknown::User { .. }));
    if user.root.is_some() || unknown || numeric(&user.user).is_some() {
        return;
    }
    let (known, fix) = match &user.identity {
        Some(identity) => (
            format!(" ({}:{} by number)", identity.uid, identity.gid),
            format!(
                "USER {}:{} (the same user by number), or runAsUser in the pod spec",
                identity.uid, identity.gid
            ),
        ),
        None => (String::new(), Rule::NamedUser.info().fix.to_string()),
    };
    out.push(
        Finding::new(
            Rule::NamedUser,
            format!(
                "USER {} is a name: Kubernetes runAsNonRoot cannot verify it is not root and \
                 refuses the pod{known}",
                user.configured
            ),
            fix,
        )
        .keyed(format!("user {}", user.user)),
    );
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
    fn a_non_root_user_by_number_is_fine() {
        for user in ["1000", "1000:1000", "65532:65532", "1000:0", "1000:app"] {
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
    fn a_non_root_user_by_name_cannot_be_verified_by_kubernetes() {
        for user in ["app", "app:app", "app:1000"] {
            let found = findings(user, Some(PASSWD), Some(GROUP));
            assert_eq!(
                messages(&found),
                [format!(
                    "GS611 USER {user} is a name: Kubernetes runAsNonRoot cannot verify it is \
                     not root and refuses the pod (1000:1000 by number)"
                )],
            );
            assert_eq!(
                found[0].fix,
                "USER 1000:1000 (the same user by number), or runAsUser in the pod spec"
            );
            assert_eq!(found[0].key.as_deref(), Some("user app"));
        }
        // A group runc cannot find stops the start; the name is still a name.
        assert_eq!(
            messages(&findings("app:staff", Some(PASSWD), Some(GROUP))),
            [
                "GS602 group staff of USER is not in /etc/group",
                "GS611 USER app:staff is a name: Kubernetes runAsNonRoot cannot verify it is not \
                 root and refuses the pod"
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
            messages(&findings("1000:app", Some(PASSWD), None)),
            ["GS602 group app of USER is not in /etc/group (the image has no /etc/group)"]
        );
    }
}
