//! GS601 root-user and GS602 unknown-user: who the container runs as, judged the way runc's
//! `GetExecUser` resolves `User` (libcontainer/user/user.go): empty means root; a numeric part
//! is an id and needs no line in /etc/passwd or /etc/group; a name must be found there, and a
//! missing file finds nothing ("unable to find user app: no matching entries in passwd file").

use super::accounts::{Accounts, UserSpec, numeric};
use crate::facts::FileFacts;
use crate::image::Image;
use crate::rules::{Finding, Rule};

pub(super) fn check(image: &Image<FileFacts>, accounts: &Accounts, out: &mut Vec<Finding>) {
    let spec = UserSpec::parse(&image.config.user);
    if let Some(why) = runs_as_root(&image.config.user, &spec, accounts) {
        out.push(Finding::new(
            Rule::RootUser,
            format!("the image runs as root ({why})"),
            Rule::RootUser.info().fix,
        ));
    }
    unknown_user(&spec, accounts, out);
}

/// Why the process gets uid 0, or `None` when it does not (or cannot be known).
fn runs_as_root(raw: &str, spec: &UserSpec<'_>, accounts: &Accounts) -> Option<String> {
    if raw.trim().is_empty() {
        return Some("no USER in the config".to_string());
    }
    if spec.user.is_empty() {
        return Some(format!("USER {raw} names no user, so uid 0"));
    }
    if numeric(spec.user) == Some(0) || spec.user == "root" {
        return Some(format!("USER {raw}"));
    }
    let entry = accounts.user_named(spec.user)?;
    (entry.uid == 0).then(|| format!("USER {raw}: {} is uid 0 in /etc/passwd", spec.user))
}

fn unknown_user(spec: &UserSpec<'_>, accounts: &Accounts, out: &mut Vec<Finding>) {
    let fix = Rule::UnknownUser.info().fix;
    if !spec.user.is_empty() && numeric(spec.user).is_none() {
        let missing = match &accounts.passwd {
            Some(_) => accounts
                .user_named(spec.user)
                .is_none()
                .then(|| format!("USER {} is not in /etc/passwd", spec.user)),
            // Too large to have been kept: it may well have the user.
            None if accounts.passwd_unread => None,
            None => Some(format!(
                "USER {} is not in /etc/passwd (the image has no /etc/passwd)",
                spec.user
            )),
        };
        if let Some(message) = missing {
            out.push(Finding::new(Rule::UnknownUser, message, fix).at("/etc/passwd"));
        }
    }
    if let Some(group) = spec.group.filter(|g| numeric(g).is_none()) {
        let missing = match &accounts.group {
            Some(_) => accounts
                .group_named(group)
                .is_none()
                .then(|| format!("group {group} of USER is not in /etc/group")),
            None if accounts.group_unread => None,
            None => Some(format!(
                "group {group} of USER is not in /etc/group (the image has no /etc/group)"
            )),
        };
        if let Some(message) = missing {
            out.push(Finding::new(Rule::UnknownUser, message, fix).at("/etc/group"));
        }
    }
}

#[cfg(test)]
mod tests {
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
        check(&image, &Accounts::read(&image.tree), &mut out);
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
