//! Oracles of the Go readers: buildinfo (with the module-text parser and the `go version -m`
//! renderer behind it) and the pclntab (with the analysis and the `GoFacts` of `check`).
//! See `fuzz/README.md` for the invariants in prose.

use crate::elf;
use crate::gobin::analysis::{self, AnalysisOptions, VersionSource};
use crate::gobin::buildinfo::{self, BuildInfo, BuildInfoError, MAX_STRING_LEN, Module, modinfo};
use crate::gobin::dwarf::DwarfLimits;
use crate::gobin::pclntab::{self, MAX_NAME_LEN, PclnVersion, Search, Table};
use crate::gobin::{Binary, GoFacts, facts};
use crate::report::buildinfo as go_text;
use crate::report::buildinfo::{Outcome, Run};

/// Build info of a whole file, and the module-text parser on the same bytes.
///
/// Invariants, on any bytes:
/// - nothing panics; `read` on the parsed `Binary` says what `read_bytes` says (info, not a Go
///   executable, or the same parse error);
/// - returned info stays within the caps: every string ≤ `MAX_STRING_LEN`, at most `MAX_DEPS`
///   dependencies and `MAX_SETTINGS` settings;
/// - the module text round-trips (see `module_text_round_trip`), `go version -m` text is the
///   header line plus that text indented by a tab, and both renderers run;
/// - the bytes, taken as a module text, round-trip whenever they parse (`modinfo`).
pub fn buildinfo(data: &[u8]) {
    modinfo(data);
    let by_bytes = buildinfo::read_bytes(data);
    if let Ok(info) = &by_bytes {
        check_build_info(info);
    }
    if let Some(bin) = Binary::parse(data) {
        match (buildinfo::read(&bin), &by_bytes) {
            (Ok(Some(info)), Ok(expected)) => assert_eq!(&info, expected),
            (Err(BuildInfoError::Parse(err)), Err(BuildInfoError::Parse(expected))) => {
                assert_eq!(&err, expected);
            }
            (
                Ok(None),
                Err(BuildInfoError::NotGoExecutable | BuildInfoError::UnrecognizedFormat),
            ) => {}
            (ours, theirs) => panic!("read gave {ours:?}, read_bytes gave {theirs:?}"),
        }
    }
}

/// The module-text parser on arbitrary text: when it parses, the text Go's `String()` would
/// render parses back to the same modules and settings.
pub fn modinfo(text: &[u8]) {
    let mut info = BuildInfo::default();
    match modinfo::parse(text, &mut info) {
        Ok(()) => {
            check_caps(&info);
            module_text_round_trip(&info);
        }
        Err(err) => {
            let lines = text.iter().filter(|&&b| b == b'\n').count();
            assert!(
                err.line >= 1 && err.line <= lines,
                "error on line {} of {lines}",
                err.line
            );
        }
    }
}

fn check_build_info(info: &BuildInfo) {
    assert!(info.go_version.as_bytes().len() as u64 <= MAX_STRING_LEN);
    check_caps(info);
    module_text_round_trip(info);

    let path = b"fuzz-input";
    let text = go_text::text_for(path, info);
    let header = [&path[..], b": ", info.go_version.as_bytes(), b"\n"].concat();
    let body = text
        .strip_prefix(header.as_slice())
        .expect("go version -m text starts with PATH: VERSION");
    let module_text = info.module_text();
    let mut indented = Vec::new();
    for line in module_text.split_inclusive(|&b| b == b'\n') {
        indented.push(b'\t');
        indented.extend_from_slice(line);
    }
    assert_eq!(body, indented, "go version -m indents the module text");

    let run = Run {
        outcomes: vec![Outcome {
            path: path.to_vec(),
            result: Ok(info.clone()),
        }],
        failed: false,
    };
    for escape in [false, true] {
        go_text::render_text(&run, &mut Vec::new(), &mut Vec::new(), escape)
            .expect("text renders into memory");
    }
    let mut json = Vec::new();
    go_text::render_json(&run, &mut json).expect("JSON renders into memory");
    serde_json::from_slice::<serde_json::Value>(&json).expect("the JSON parses back");
}

fn check_caps(info: &BuildInfo) {
    assert!(info.deps.len() <= modinfo::MAX_DEPS);
    assert!(info.settings.len() <= modinfo::MAX_SETTINGS);
    let modules = std::iter::once(&info.main)
        .chain(&info.deps)
        .flat_map(|m| std::iter::once(m).chain(m.replace.as_deref()));
    let mut strings = vec![info.path.as_bytes()];
    for module in modules {
        strings.extend([&module.path, &module.version, &module.sum].map(|s| s.as_bytes()));
    }
    for setting in &info.settings {
        strings.extend([setting.key.as_bytes(), setting.value.as_bytes()]);
    }
    for string in strings {
        assert!(string.len() as u64 <= MAX_STRING_LEN);
    }
}

/// Go's `(*BuildInfo).String` then `ParseBuildInfo` gives back the same modules and settings,
/// with one exception that Go shares: `formatMod` writes no sum for a module that has a
/// replacement (`dep a v h1:x` + `=> b v2` renders as `dep a v` + `=> b v2`), so that sum is
/// lost. Go's own `FuzzParseBuildInfoRoundTrip` claims equality and fails on that input too.
/// The rendered text itself is a fixed point: rendering what it parses to gives it back.
fn module_text_round_trip(info: &BuildInfo) {
    let text = info.module_text();
    let mut again = BuildInfo::default();
    modinfo::parse(&text, &mut again).unwrap_or_else(|err| {
        panic!(
            "rendered module text does not parse: {err}\n{}",
            String::from_utf8_lossy(&text)
        )
    });
    let expected = BuildInfo {
        path: info.path.clone(),
        main: without_replaced_sum(&info.main),
        deps: info.deps.iter().map(without_replaced_sum).collect(),
        settings: info.settings.clone(),
        ..BuildInfo::default()
    };
    assert_eq!(again, expected, "module text does not round-trip");
    assert_eq!(again.module_text(), text, "rendering is not a fixed point");
}

fn without_replaced_sum(module: &Module) -> Module {
    let mut module = module.clone();
    if module.replace.is_some() {
        module.sum = Default::default();
    }
    module
}

/// Pointer sizes and byte orders a pclntab header may claim.
const TARGETS: [(usize, bool); 4] = [(4, false), (4, true), (8, false), (8, true)];

/// The pclntab reader on bare tables and on whole files, and everything downstream of it.
///
/// Invariants, on any bytes:
/// - as a bare table (`Table::parse` with no target and with each pointer size and byte
///   order): a table that parses has a known layout, quantum 1, 2 or 4 and the pointer size
///   and byte order asked for; the target-free parse finds the same table as the parse with
///   its own target; `func_names` yields at most `func_count` names, the first
///   `min(func_count, 16)` of them (checked at parse) non-empty and free of spaces and control
///   characters; `file_names` yields at most `file_count`; every name is ≤ `MAX_NAME_LEN`;
/// - as a file (`Binary::parse`): the table found agrees with the file's pointer size and
///   byte order, the wider search returns what the named search returns when that finds one,
///   and `analysis::analyze` (small DWARF limits) reports that table's facts, as many
///   function names as the iterator yields, and DWARF within its limits;
/// - as an ELF (`elf::read`): `facts::read` (the `go` object of `check`) is consistent: its
///   pclntab is the one the wide search finds, its buildinfo is `buildinfo::read`'s, the
///   version source matches where the version came from, and it serialises.
pub fn pclntab(data: &[u8]) {
    for target in std::iter::once(None).chain(TARGETS.map(Some)) {
        if let Ok(table) = Table::parse(data, target) {
            check_table(data, &table, target);
        }
    }
    let Some(bin) = Binary::parse(data) else {
        return;
    };
    let everywhere = pclntab::find_with(&bin, Search::Everywhere);
    if let Some(found) = &everywhere {
        let t = &found.table;
        assert_eq!(
            (t.pointer_size, t.big_endian),
            (bin.pointer_size, bin.big_endian)
        );
        let facts = found.facts();
        assert_eq!(
            (facts.functions, facts.files),
            (t.func_count(), t.file_count())
        );
    }
    if let Some(named) = pclntab::find_with(&bin, Search::Named) {
        let wide = everywhere
            .as_ref()
            .expect("the wide search includes the named one");
        assert_eq!(named.facts(), wide.facts());
    }

    let limits = DwarfLimits {
        max_units: 8,
        max_files: 64,
        max_strings: 4,
        max_decompressed: 64 << 10,
    };
    let options = AnalysisOptions {
        search: Search::Everywhere,
        dwarf: Some(limits),
        version_fallback: true,
    };
    let analysis = analysis::analyze(&bin, &options);
    assert_eq!(analysis.pclntab, everywhere.as_ref().map(|p| p.facts()));
    match (&analysis.functions, &everywhere) {
        (Some(functions), Some(found)) => {
            assert_eq!(functions.functions, found.table.func_names().count());
            assert!(functions.functions <= found.table.func_count());
        }
        (None, None) => {}
        (functions, found) => panic!("functions {functions:?} for pclntab {:?}", found.is_some()),
    }
    if let Some(dwarf) = &analysis.dwarf {
        assert!(dwarf.compile_units <= limits.max_units);
        assert!(dwarf.files.len() <= limits.max_files);
        assert!(dwarf.producers.len() <= limits.max_strings);
        assert!(dwarf.comp_dirs.len() <= limits.max_strings);
    }
    assert!(analysis.build_paths.examples.len() <= 3);
    serde_json::to_string(&analysis).expect("the analysis serialises");

    if let Ok(elf_facts) = elf::read(data)
        && let Some(go) = facts::read(&bin, &elf_facts)
    {
        check_go_facts(&bin, &go, everywhere.as_ref().map(|p| p.facts()));
    }
}

fn check_table(data: &[u8], table: &Table<'_>, target: Option<(usize, bool)>) {
    assert!(PclnVersion::ALL.contains(&table.version));
    assert!(matches!(table.quantum, 1 | 2 | 4));
    assert!(matches!(table.pointer_size, 4 | 8));
    if let Some(target) = target {
        assert_eq!((table.pointer_size, table.big_endian), target);
    } else {
        let own = Table::parse(data, Some((table.pointer_size, table.big_endian)))
            .expect("a table parses with its own target");
        assert_eq!(
            (own.version, own.func_count(), own.file_count()),
            (table.version, table.func_count(), table.file_count())
        );
    }
    let count = table.func_count();
    assert!(count >= 1 && count <= data.len() / 8, "nfunc {count}");
    let mut names = 0;
    for (index, name) in table.func_names().enumerate() {
        assert!(name.chars().count() <= MAX_NAME_LEN);
        if index < count.min(16) {
            assert!(
                !name.is_empty()
                    && !name
                        .chars()
                        .any(|c| c.is_ascii_whitespace() || c.is_ascii_control()),
                "function {index} passed the parse checks but reads {name:?}"
            );
        }
        names += 1;
    }
    assert!(
        names <= count && names >= count.min(16),
        "{names} names of {count}"
    );
    let mut files = 0;
    for name in table.file_names() {
        assert!(name.chars().count() <= MAX_NAME_LEN);
        files += 1;
    }
    assert!(
        files <= table.file_count(),
        "{files} files of {}",
        table.file_count()
    );
}

fn check_go_facts(bin: &Binary<'_>, go: &GoFacts, widest: Option<pclntab::PclntabFacts>) {
    if let Some(found) = &go.pclntab {
        assert_eq!(Some(found), widest.as_ref(), "check found another pclntab");
    }
    match buildinfo::read(bin) {
        Ok(Some(info)) => {
            assert_eq!(go.buildinfo, Some(info.found_by));
            assert_eq!(go.version_source, Some(VersionSource::Buildinfo));
            assert_eq!(
                go.version.as_deref(),
                Some(&*info.go_version.to_str_lossy())
            );
            assert_eq!((&go.deps, &go.settings), (&info.deps, &info.settings));
            assert!(go.buildinfo_error.is_none());
        }
        Ok(None) => assert!(go.buildinfo.is_none() && go.buildinfo_error.is_none()),
        Err(err) => {
            assert!(go.buildinfo.is_none());
            assert_eq!(go.buildinfo_error, Some(err.to_string()));
        }
    }
    if go.version_range.is_some() {
        assert_eq!(go.version_source, Some(VersionSource::Pclntab));
        assert!(go.version.is_none() && go.pclntab.is_some());
    }
    assert_eq!(
        go.version_source.is_some(),
        go.version.is_some() || go.version_range.is_some()
    );
    if go.support.is_some() {
        assert!(go.version.is_some() || go.version_range.is_some());
    }
    assert_eq!(go.cgo, go.cgo_evidence.linked);
    assert!(go.required_needs().all(|n| n.embedded_evidence.is_empty()));
    serde_json::to_string(go).expect("the Go facts serialise");
}
