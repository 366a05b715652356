//! `gostatic check` on the Go fixtures of `testdata/go`: each fixture's rules and `go` facts,
//! checked against what independent tools recorded beside it when `build.sh` made it
//! (`.goversion` from `go version -m`, `.files`/`.funcs` from Go's own `debug/gosym`,
//! `.nss-symbols` from nm on an unstripped twin).

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::util::rule_ids as rules;
use crate::util::{check_report, gostatic};

fn go_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/go")
        .join(name)
}

fn record(name: &str, ext: &str) -> String {
    std::fs::read_to_string(go_fixture(&format!("{name}.{ext}"))).unwrap()
}

/// The JSON report of one fixture, as `files[0]`.
fn check(path: PathBuf) -> Value {
    check_report(&path)["files"][0].clone()
}

fn go_rules(file: &Value) -> Vec<String> {
    rules(file)
        .into_iter()
        .filter(|r| !r.starts_with("GS2") && !r.starts_with("GS3"))
        .collect()
}

/// `go1.21.13` from the first line of a `go version -m` record.
fn recorded_version(name: &str) -> String {
    let text = record(name, "goversion");
    let first = text.lines().next().unwrap();
    first.rsplit(": ").next().unwrap().to_string()
}

const GO_FIXTURES: [&str; 15] = [
    "go-386",
    "go-arm",
    "go-embedded",
    "go-needs",
    "go-nss-static-glibc",
    "go-ppc64le",
    "go-replace",
    "go-riscv64",
    "go-s390x",
    "go-stripped-paths",
    "go-vcs",
    "go1.19-hello",
    "go1.21-pie",
    "go1.23-hello",
    "go1.25-hello",
];

#[test]
fn every_go_fixture_reports_the_version_go_version_m_reports() {
    for name in GO_FIXTURES {
        let file = check(go_fixture(name));
        let go = &file["go"];
        assert_eq!(go["version"], recorded_version(name), "{name}");
        assert_eq!(go["version_source"], "buildinfo", "{name}");
        assert_eq!(go["buildinfo"], "go-lookup", "{name}");
        let recorded_files = record(name, "files").lines().count();
        assert_eq!(
            go["pclntab"]["files"].as_u64().unwrap() as usize,
            recorded_files,
            "{name}: file table size against debug/gosym"
        );
    }
}

#[test]
fn each_fixture_gets_exactly_the_go_rules_its_build_promises() {
    let expected: [(&str, &[&str]); 16] = [
        ("go-386", &["GS407"]),
        ("go-arm", &["GS407"]),
        ("go-embedded", &["GS407"]),
        (
            "go-needs",
            &["GS407", "GS501", "GS502", "GS503", "GS506", "GS507"],
        ),
        // glibc 2.36: files and dns are built in, so no GS105.
        ("go-nss-static-glibc", &["GS104", "GS407", "GS503"]),
        ("go-ppc64le", &["GS407"]),
        ("go-replace", &["GS405", "GS407"]),
        ("go-riscv64", &["GS407"]),
        ("go-s390x", &["GS407"]),
        ("go-stripped-paths", &["GS401", "GS407"]),
        ("go-vcs", &["GS403", "GS407"]),
        ("go1.15-hosts", &["GS402", "GS407"]),
        ("go1.19-hello", &["GS401", "GS402", "GS407"]),
        ("go1.21-pie", &["GS101", "GS402", "GS407"]),
        ("go1.23-hello", &["GS402", "GS407"]),
        ("go1.25-hello", &["GS402", "GS407"]),
    ];
    for (name, rules) in expected {
        let file = check(go_fixture(name));
        assert_eq!(go_rules(&file), rules, "{name}");
    }
}

#[test]
fn stripped_but_untrimmed_binaries_still_show_their_build_paths() {
    // go-stripped-paths is -ldflags="-s -w" without -trimpath: no symbols, no DWARF, yet the
    // pclntab keeps every absolute source path. debug/gosym listed them independently.
    let file = check(go_fixture("go-stripped-paths"));
    assert_eq!(file["elf"]["symtab_bytes"], 0);
    assert_eq!(file["elf"]["dwarf_bytes"], 0);
    let absolute: BTreeSet<String> = record("go-stripped-paths", "files")
        .lines()
        .filter(|l| l.starts_with('/'))
        .map(str::to_string)
        .collect();
    let paths = &file["go"]["build_paths"];
    assert_eq!(paths["count"].as_u64().unwrap() as usize, absolute.len());
    let examples = paths["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 3);
    for example in examples {
        assert!(absolute.contains(example.as_str().unwrap()), "{example}");
    }
    // The main package's own file comes first: the workspace is the most sensitive leak.
    assert_eq!(examples[0], "/tmp/gostatic-fixtures/src/hello/main.go");

    // Its -trimpath twin leaks nothing, and says so with a clean relative file table.
    let twin = check(crate::util::fixture("go-static-stripped"));
    assert_eq!(twin["go"]["build_paths"]["count"], 0);
    assert!(
        twin["go"]["build_paths"]["relative_paths"]
            .as_u64()
            .unwrap()
            > 100
    );
    assert!(!rules(&twin).contains(&"GS401".to_string()));
}

#[test]
fn runtime_needs_name_the_files_and_match_the_function_table() {
    let file = check(go_fixture("go-needs"));
    let verdict = &file["verdict"];
    assert_eq!(verdict["scratch"], "ready-if-added");
    assert_eq!(
        verdict["add"],
        serde_json::json!([
            "/etc/ssl/certs/ca-certificates.crt",
            "/usr/share/zoneinfo",
            "/etc/passwd",
            "/tmp",
            "$HOME"
        ])
    );
    assert_eq!(verdict["base"], "distroless-static");
    // Every piece of evidence for the five rules is a function debug/gosym found (the record
    // lists the needles build.sh asked it about).
    let funcs: BTreeSet<String> = record("go-needs", "funcs")
        .lines()
        .map(str::to_string)
        .collect();
    let ruled = ["ca-certificates", "zoneinfo", "passwd", "tmp", "home"];
    for need in file["go"]["runtime_needs"].as_array().unwrap() {
        if !ruled.contains(&need["kind"].as_str().unwrap()) {
            continue;
        }
        for name in need["evidence"].as_array().unwrap() {
            assert!(funcs.contains(name.as_str().unwrap()), "{name}");
        }
    }
    let finding = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "GS501")
        .unwrap();
    assert!(
        finding["fix"]
            .as_str()
            .unwrap()
            .starts_with("COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/")
    );

    // The same program with time/tzdata and x509.SetFallbackRoots needs neither file.
    let embedded = check(go_fixture("go-embedded"));
    assert_eq!(embedded["verdict"]["scratch"], "ready");
    let needs = embedded["go"]["runtime_needs"].as_array().unwrap();
    let kinds: Vec<&str> = needs.iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"ca-certificates") && kinds.contains(&"zoneinfo"));
    for need in needs
        .iter()
        .filter(|n| n["kind"] == "ca-certificates" || n["kind"] == "zoneinfo")
    {
        assert_eq!(need["files_required"], false, "{need}");
        assert!(!need["embedded_evidence"].as_array().unwrap().is_empty());
    }
}

/// Both fixtures were linked against Debian 12's glibc 2.36, whose libc.a has the files and
/// dns NSS modules built in: NSS is found, but nothing is dlopened for /etc/hosts, DNS or
/// /etc/passwd, so no GS105 and scratch is not blocked by it (their recorded scratch runs
/// fail only for want of /etc/passwd and /etc/hosts). GS105's positive side is glibc 2.31:
/// the unit tests in `gobin::analysis::nss` and the opt-in `static_nss` runtime test.
#[test]
fn static_glibc_nss_with_builtin_modules_is_found_but_not_blocked() {
    for name in ["go-nss-static-glibc", "c-nss-static"] {
        let file = check(go_fixture(name));
        assert_eq!(file["elf"]["linking"], "static", "{name}");
        assert!(!rules(&file).contains(&"GS105".to_string()), "{name}");
        assert!(!file["elf"]["glibc_nss"].is_null(), "{name}");
        assert_eq!(
            file["elf"]["glibc_nss"]["builtin_files_dns"], true,
            "{name}"
        );
        assert_ne!(file["verdict"]["scratch"], "blocked", "{name}");
        // nm on the unstripped twin saw glibc's NSS module loader.
        assert!(record(name, "nss-symbols").contains("__nss_"), "{name}");
    }
    let go = check(go_fixture("go-nss-static-glibc"));
    assert_eq!(go["go"]["cgo"], true);
    assert_eq!(go["verdict"]["scratch"], "ready-if-added");
    assert_eq!(go["verdict"]["add"], serde_json::json!(["/etc/passwd"]));
    let c = check(go_fixture("c-nss-static"));
    assert!(c["go"].is_null());
    assert_eq!(c["verdict"]["scratch"], "ready");
    // A static C program without NSS calls, and pure Go, have none.
    for path in [
        crate::util::fixture("c-static"),
        crate::util::fixture("go-static-stripped"),
    ] {
        assert!(check(path)["elf"]["glibc_nss"].is_null());
    }
}

#[test]
fn cgo_is_judged_by_what_is_linked_not_by_cgo_enabled() {
    // go-static-pie was built with CGO_ENABLED=1 and external linking: cgo code is linked.
    let pie = check(crate::util::fixture("go-static-pie"));
    assert_eq!(pie["go"]["cgo"], true);
    // go-needs was built with CGO_ENABLED=0; go1.19-hello's buildinfo says CGO_ENABLED=1
    // (Debian's toolchain default) but nothing of cgo is in it.
    for name in ["go-needs", "go1.19-hello"] {
        let file = check(go_fixture(name));
        assert_eq!(file["go"]["cgo"], false, "{name}");
    }
}

#[test]
fn vcs_and_replace_settings_come_from_buildinfo() {
    let vcs = check(go_fixture("go-vcs"));
    assert_eq!(vcs["go"]["settings"]["vcs.modified"], "true");
    assert!(record("go-vcs", "goversion").contains("build\tvcs.modified=true"));
    let replace = check(go_fixture("go-replace"));
    let dep = &replace["go"]["deps"][0];
    assert_eq!(dep["replace"]["path"], "../greeting");
    assert!(record("go-replace", "goversion").contains("=>\t../greeting"));
}

#[test]
fn unsupported_toolchains_print_the_release_table_date() {
    let file = check(go_fixture("go1.19-hello"));
    assert_eq!(file["go"]["support"]["status"], "unsupported");
    assert_eq!(file["go"]["support"]["since"], "2023-08-08");
    let message = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "GS402")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("go1.19.8"), "{message}");
    assert!(message.contains("release table as of 20"), "{message}");
    let current = check(crate::util::fixture("go-static-stripped"));
    assert_eq!(current["go"]["support"]["status"], "supported");
}

#[test]
fn go_text_report_snapshot() {
    let out = gostatic().args(["check", "testdata/go"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(
        "check_go_fixtures_text",
        String::from_utf8(out.stdout).unwrap()
    );
}

/// GS506/GS507 name the directories the recorded runs of go-needs fail on: on scratch as uid
/// 65532 with runc's HOME=/ (build.sh), CreateTemp fails on /tmp and the cache directory on
/// HOME; with a 1777 /tmp and a HOME the user owns, both writes pass.
#[test]
fn temp_and_home_needs_match_the_recorded_runs() {
    let file = check(go_fixture("go-needs"));
    let findings = file["findings"].as_array().unwrap();
    let message = |rule: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == rule)
            .and_then(|f| f["message"].as_str())
            .unwrap_or_else(|| panic!("no {rule}"))
            .to_string()
    };
    assert!(message("GS506").contains("(os.CreateTemp)"));
    assert!(message("GS506").ends_with("it needs a /tmp the user may write (or set TMPDIR)"));
    assert!(message("GS507").contains("os.UserCacheDir"));
    let scratch = record("go-needs", "writes-scratch-run");
    assert!(
        scratch.contains("selftest: temp file: open /tmp/selftestNNN: no such file or directory"),
        "{scratch}"
    );
    assert!(
        scratch.contains("selftest: cache dir: mkdir //.cache: permission denied"),
        "{scratch}"
    );
    assert_eq!(record("go-needs", "writes-base-run"), "selftest: ok\n");
    // Run alone with no environment at all, Go says so for HOME.
    let bare = record("go-needs", "scratch-run");
    assert!(bare.contains("temp file: open /tmp/needsNNN: no such file or directory"));
    assert!(bare.contains("cache dir: neither $XDG_CACHE_HOME nor $HOME are defined"));
}
