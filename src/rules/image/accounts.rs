//! The one account model of the image rules: the config's `User` split into its user and group
//! parts, `/etc/passwd` and `/etc/group` from the final filesystem, and the identity the
//! process gets ([`ExecUser`]), computed once per image and read by GS601/GS602, GS603 (who
//! may execute the command), GS503 (the passwd entry) and the size story (which USER to
//! suggest). Parsing and lookup follow runc's `libcontainer/user` (`GetExecUser`): a numeric
//! part is an id whether or not a line names it; a name must be found; an empty user is root;
//! without a passwd line the gid is 0 and the home `/` (runc's defaults).

use crate::image::{Node, Tree};

/// `User` split at its first `:`, as `GetExecUser` does (`app`, `app:staff`, `1000:1000`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UserSpec<'a> {
    pub user: &'a str,
    pub group: Option<&'a str>,
}

impl<'a> UserSpec<'a> {
    pub fn parse(spec: &'a str) -> Self {
        let spec = spec.trim();
        match spec.split_once(':') {
            Some((user, group)) => UserSpec {
                user,
                group: (!group.is_empty()).then_some(group),
            },
            None => UserSpec {
                user: spec,
                group: None,
            },
        }
    }
}

/// A decimal id, as `strconv.Atoi` would take it (no sign: runc refuses negative ids anyway).
pub(super) fn numeric(part: &str) -> Option<u64> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PasswdEntry {
    pub name: String,
    pub uid: u64,
    pub gid: u64,
    pub home: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GroupEntry {
    pub name: String,
    pub gid: u64,
    pub members: Vec<String>,
}

/// What `/etc/passwd` and `/etc/group` say; each is `None` when the file is not in the image,
/// and also when it is too large to have been kept (then nothing can be said about it).
#[derive(Debug, Clone, Default)]
pub(super) struct Accounts {
    pub passwd: Option<Vec<PasswdEntry>>,
    pub group: Option<Vec<GroupEntry>>,
    /// The file exists but its bytes were not kept (over the small-file limit).
    pub passwd_unread: bool,
    pub group_unread: bool,
}

impl Accounts {
    pub fn read(tree: &Tree) -> Self {
        let (passwd, passwd_unread) = read_table(tree, "/etc/passwd", parse_passwd_line);
        let (group, group_unread) = read_table(tree, "/etc/group", parse_group_line);
        Accounts {
            passwd,
            group,
            passwd_unread,
            group_unread,
        }
    }

    pub fn user_named(&self, name: &str) -> Option<&PasswdEntry> {
        self.passwd.as_ref()?.iter().find(|e| e.name == name)
    }

    pub fn user_with_uid(&self, uid: u64) -> Option<&PasswdEntry> {
        self.passwd.as_ref()?.iter().find(|e| e.uid == uid)
    }

    pub fn group_named(&self, name: &str) -> Option<&GroupEntry> {
        self.group.as_ref()?.iter().find(|e| e.name == name)
    }

    pub fn group_with_gid(&self, gid: u64) -> Option<&GroupEntry> {
        self.group.as_ref()?.iter().find(|e| e.gid == gid)
    }

    /// The passwd line `GetExecUser` takes for the user part: by uid for a number (root's for
    /// an empty part), by name otherwise.
    pub fn entry_for(&self, user: &str) -> Option<&PasswdEntry> {
        match numeric(user) {
            Some(uid) => self.user_with_uid(uid),
            None if user.is_empty() => self.user_with_uid(0),
            None => self.user_named(user),
        }
    }

    /// These accounts as an image with only some of the files sees them.
    #[cfg(test)]
    pub fn keeping(&self, passwd: bool, group: bool) -> Accounts {
        Accounts {
            passwd: self.passwd.clone().filter(|_| passwd),
            group: self.group.clone().filter(|_| group),
            passwd_unread: passwd && self.passwd_unread,
            group_unread: group && self.group_unread,
        }
    }

    /// The uid, primary gid and supplementary gids the process gets for `spec`, when they can
    /// be known (a named user that is not in /etc/passwd gives `None`).
    pub fn identity(&self, spec: &UserSpec<'_>) -> Option<Identity> {
        let (uid, name, mut gid, home) = if spec.user.is_empty() {
            let home = self.user_with_uid(0).map(|e| e.home.clone());
            (0, Some("root".to_string()), 0, home)
        } else if let Some(uid) = numeric(spec.user) {
            let entry = self.user_with_uid(uid);
            (
                uid,
                entry.map(|e| e.name.clone()),
                entry.map_or(0, |e| e.gid),
                entry.map(|e| e.home.clone()),
            )
        } else {
            let entry = self.user_named(spec.user)?;
            (
                entry.uid,
                Some(entry.name.clone()),
                entry.gid,
                Some(entry.home.clone()),
            )
        };
        if let Some(group) = spec.group {
            gid = match numeric(group) {
                Some(gid) => gid,
                None => self.group_named(group)?.gid,
            };
        }
        // runc adds the groups that list the user by name, unless a group was given explicitly.
        let supplementary = match (&name, spec.group, &self.group) {
            (Some(name), None, Some(groups)) => groups
                .iter()
                .filter(|g| g.members.iter().any(|m| m == name))
                .map(|g| g.gid)
                .collect(),
            _ => Vec::new(),
        };
        Some(Identity {
            uid,
            gid,
            supplementary,
            home: home.filter(|h| !h.is_empty()).unwrap_or_else(|| "/".into()),
        })
    }
}

/// Who the entrypoint runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    pub uid: u64,
    pub gid: u64,
    pub supplementary: Vec<u64>,
    /// `HOME` as runc sets it: the passwd line's, else `/`.
    pub home: String,
}

impl Identity {
    /// Whether this identity may execute a file with `mode` owned by `uid`:`gid`, as the kernel
    /// decides: root needs any execute bit; others the owner, group or other bit that applies.
    pub fn may_execute(&self, mode: u32, uid: u64, gid: u64) -> bool {
        if self.uid == 0 {
            return mode & 0o111 != 0;
        }
        if self.uid == uid {
            return mode & 0o100 != 0;
        }
        if self.gid == gid || self.supplementary.contains(&gid) {
            return mode & 0o010 != 0;
        }
        mode & 0o001 != 0
    }

    /// Whether this identity may create files in a directory with `mode` owned by `uid`:`gid`:
    /// root always (CAP_DAC_OVERRIDE), others by the write bit that applies, as for execute.
    pub fn may_write(&self, mode: u32, uid: u64, gid: u64) -> bool {
        self.uid == 0 || self.may_execute((mode & 0o222) >> 1, uid, gid)
    }
}

/// `User` resolved once for an image, as runc's `GetExecUser` would: what GS601, GS602, GS603,
/// GS503 and the size story all ask about who the process is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExecUser {
    /// `User` as the config writes it (for messages).
    pub configured: String,
    /// The part before the first `:` (empty: root).
    pub user: String,
    /// The part after it, when there is one.
    pub group: Option<String>,
    /// uid, gid, supplementary groups and home; `None` when a name is not found, or the file
    /// that would say was too large to read (then any execute bit is taken to do).
    pub identity: Option<Identity>,
    /// Why the process gets uid 0, when it does.
    pub root: Option<Root>,
    /// The names runc cannot find: it refuses to start the container.
    pub unknown: Vec<Unknown>,
    /// The passwd line for the user part (by uid for a number, root's when empty): what
    /// os/user's `Current` reads.
    pub entry: Option<PasswdEntry>,
}

/// Why the process runs as root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Root {
    /// `User` is empty.
    NoUser,
    /// `User` has a group but no user (`:1000`).
    NoUserPart,
    /// `0` or `root`.
    Named,
    /// A name /etc/passwd maps to uid 0.
    UidZero,
}

/// A name in `User` that the image's files do not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unknown {
    /// Not in /etc/passwd; `no_file` when the image has no /etc/passwd at all.
    User { name: String, no_file: bool },
    /// Not in /etc/group; `no_file` when the image has no /etc/group at all.
    Group { name: String, no_file: bool },
}

impl ExecUser {
    pub fn resolve(configured: &str, accounts: &Accounts) -> Self {
        let spec = UserSpec::parse(configured);
        let root = if configured.trim().is_empty() {
            Some(Root::NoUser)
        } else if spec.user.is_empty() {
            Some(Root::NoUserPart)
        } else if numeric(spec.user) == Some(0) || spec.user == "root" {
            Some(Root::Named)
        } else {
            accounts
                .user_named(spec.user)
                .filter(|e| e.uid == 0)
                .map(|_| Root::UidZero)
        };
        let mut unknown = Vec::new();
        if !spec.user.is_empty() && numeric(spec.user).is_none() {
            let missing = match &accounts.passwd {
                Some(_) => accounts.user_named(spec.user).is_none().then_some(false),
                // Too large to have been kept: it may well have the user.
                None if accounts.passwd_unread => None,
                None => Some(true),
            };
            if let Some(no_file) = missing {
                unknown.push(Unknown::User {
                    name: spec.user.to_string(),
                    no_file,
                });
            }
        }
        if let Some(group) = spec.group.filter(|g| numeric(g).is_none()) {
            let missing = match &accounts.group {
                Some(_) => accounts.group_named(group).is_none().then_some(false),
                None if accounts.group_unread => None,
                None => Some(true),
            };
            if let Some(no_file) = missing {
                unknown.push(Unknown::Group {
                    name: group.to_string(),
                    no_file,
                });
            }
        }
        ExecUser {
            configured: configured.to_string(),
            user: spec.user.to_string(),
            group: spec.group.map(str::to_string),
            identity: accounts.identity(&spec),
            root,
            unknown,
            entry: accounts.entry_for(spec.user).cloned(),
        }
    }

    /// runc finds every name `User` uses (or could not be told otherwise).
    pub fn resolves(&self) -> bool {
        self.unknown.is_empty()
    }

    /// `User` names a user or a group rather than giving ids: the runtime needs /etc/passwd or
    /// /etc/group to start the process.
    pub fn names_an_account(&self) -> bool {
        let named = |part: &str| !part.is_empty() && numeric(part).is_none();
        named(&self.user) || self.group.as_deref().is_some_and(named)
    }

    /// Whether this user may execute `node`: a regular file with the execute bit that applies
    /// (any bit when the identity cannot be known).
    pub fn may_execute(&self, node: &Node) -> bool {
        if !node.is_file() {
            return false;
        }
        match &self.identity {
            Some(identity) => identity.may_execute(node.mode, node.uid, node.gid),
            None => node.mode & 0o111 != 0,
        }
    }
}

fn read_table<T>(tree: &Tree, path: &str, parse: fn(&str) -> Option<T>) -> (Option<Vec<T>>, bool) {
    match tree.read_small(path) {
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            (Some(text.lines().filter_map(parse).collect()), false)
        }
        None => {
            let present = tree.resolve(path).is_some_and(|(_, node)| node.is_file());
            (None, present)
        }
    }
}

/// `name:password:uid:gid:gecos:home:shell`; comments and malformed lines are skipped, as
/// runc's `parseLine` effectively does (a line with a bad number never matches).
fn parse_passwd_line(line: &str) -> Option<PasswdEntry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split(':');
    let name = fields.next()?.to_string();
    let _password = fields.next();
    let uid = numeric(fields.next()?)?;
    let gid = numeric(fields.next()?)?;
    let _gecos = fields.next();
    let home = fields.next().unwrap_or_default().to_string();
    Some(PasswdEntry {
        name,
        uid,
        gid,
        home,
    })
}

/// `name:password:gid:member,member`.
fn parse_group_line(line: &str) -> Option<GroupEntry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split(':');
    let name = fields.next()?.to_string();
    let _password = fields.next();
    let gid = numeric(fields.next()?)?;
    let members = fields
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect();
    Some(GroupEntry { name, gid, members })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_specs_split_at_the_first_colon() {
        assert_eq!(
            UserSpec::parse("app"),
            UserSpec {
                user: "app",
                group: None
            }
        );
        assert_eq!(
            UserSpec::parse("1000:staff"),
            UserSpec {
                user: "1000",
                group: Some("staff")
            }
        );
        assert_eq!(
            UserSpec::parse("app:"),
            UserSpec {
                user: "app",
                group: None
            }
        );
        assert_eq!(UserSpec::parse("").user, "");
    }

    #[test]
    fn passwd_and_group_lines_parse_and_junk_is_skipped() {
        assert_eq!(
            parse_passwd_line("app:x:1000:1001:App:/home/app:/bin/sh"),
            Some(PasswdEntry {
                name: "app".into(),
                uid: 1000,
                gid: 1001,
                home: "/home/app".into(),
            })
        );
        assert_eq!(parse_passwd_line("# comment"), None);
        assert_eq!(parse_passwd_line("bad:x:-1:0"), None);
        assert_eq!(parse_passwd_line("short:x"), None);
        let group = parse_group_line("docker:x:999:app, ops").unwrap();
        assert_eq!(group.gid, 999);
        assert_eq!(group.members, ["app", "ops"]);
        assert_eq!(
            parse_group_line("nogroup:x:65534:").unwrap().members.len(),
            0
        );
    }

    #[test]
    fn execute_permission_follows_owner_group_other() {
        let user = Identity {
            uid: 1000,
            gid: 1000,
            supplementary: vec![50],
            home: "/".into(),
        };
        assert!(!user.may_execute(0o700, 0, 0));
        assert!(user.may_execute(0o700, 1000, 0));
        assert!(user.may_execute(0o750, 0, 50));
        assert!(user.may_execute(0o755, 0, 0));
        // The owner class applies alone, even when group or other would allow.
        assert!(!user.may_execute(0o655, 1000, 0));
        let root = Identity {
            uid: 0,
            gid: 0,
            supplementary: vec![],
            home: "/root".into(),
        };
        assert!(root.may_execute(0o100, 5, 5));
        assert!(!root.may_execute(0o644, 0, 0));
    }
}
