//! The image verdict: the three answers `gostatic image` gives first (PRODUCT.md, "The image
//! verdict"), and each program's `runs here` / `fails here`.
//!
//! 1. **Starts?** Would the runtime exec the configured command, as its user? The command and
//!    the user are judged by GS603 and GS602 (`command.rs`, `accounts.rs`); then every program
//!    on the way to the command (the program the command names, a script's `#!` interpreter, and
//!    the program a shell's `-c` runs) must be one the kernel runs on this platform and whose
//!    loader and libraries resolve in the image (GS604, GS504, GS505 on that file). The verdict
//!    is read from those rules' findings, never from their text, so every `no` is an error
//!    finding the gate fails on; where no rule speaks for a cause (the kernel refuses the ELF),
//!    the verdict adds a GS603 finding. `unknown` only where static facts cannot decide: no
//!    config (a root filesystem), a program too big to analyse, a file that is neither a readable
//!    ELF nor a script, a 32-bit program that needs the host kernel's compat support.
//! 2. **Runs clean?** The run-time files the started programs need and the directories they
//!    write (GS501–GS503, GS506, GS507 as errors in the image), with what will fail without them.
//! 3. **Scratch?** The same programs judged against an empty image (their file verdicts,
//!    combined): `ready`, `ready-with-files` (the files a scratch stage copies) or `blocked`,
//!    with the smallest base that fits them all. When the command goes through a shell that
//!    only runs a program, the program is judged; a script or a real shell command needs its
//!    interpreter, which scratch lacks.

use serde::Serialize;

use super::command::{Command, SHELLS};
use super::libs::Libraries;
use super::lookup::Executables;
use crate::facts::FileFacts;
use crate::gobin::analysis::NeedKind;
use crate::image::{Image, ImageFormat};
use crate::rules::{Base, Evaluation, Finding, Needs, Rule, Scratch, Severity, fit};

/// Whether a program (or an image's command) starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Starts {
    Yes,
    No,
    /// Static facts cannot decide; the reasons say why.
    Unknown,
}

/// Could the image be `FROM scratch`?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageScratch {
    Ready,
    /// Ready with the files in `scratch_files` copied in.
    ReadyWithFiles,
    Blocked,
}

/// The answers an image's report starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageVerdict {
    pub starts: Starts,
    /// Why it does not start, or why that cannot be decided; empty for `yes`.
    pub start_reasons: Vec<String>,
    /// The programs the command runs, by the paths they are reached by: what was judged.
    pub programs: Vec<String>,
    /// The run-time files the started programs need and the image lacks.
    pub runtime_missing: Vec<NeedKind>,
    /// What each missing file makes fail, one line each.
    pub runtime_reasons: Vec<String>,
    pub scratch: ImageScratch,
    /// What blocks scratch.
    pub scratch_reasons: Vec<String>,
    /// The files a scratch image must get for the programs to run clean.
    pub scratch_files: Vec<String>,
    /// The smallest base image the programs fit; absent when none is known.
    pub base: Option<Base>,
}

impl ImageVerdict {
    /// `starts: yes; runs clean; scratch: ready`: the verdict line under the image header.
    pub fn summary(&self) -> String {
        let mut line = match self.starts {
            Starts::Yes => "starts: yes".to_string(),
            Starts::No => format!("starts: no ({})", self.start_reasons.join("; ")),
            Starts::Unknown => format!("starts: unknown ({})", self.start_reasons.join("; ")),
        };
        if self.runtime_missing.is_empty() {
            line.push_str("; runs clean");
        } else {
            let ids: Vec<&str> = self.runtime_missing.iter().map(|k| need_id(*k)).collect();
            line.push_str(&format!("; runs clean: no (lacks {})", ids.join(", ")));
        }
        line.push_str(&match self.scratch {
            ImageScratch::Ready => "; scratch: ready".to_string(),
            ImageScratch::ReadyWithFiles => {
                format!("; scratch: ready with {}", self.scratch_files.join(", "))
            }
            ImageScratch::Blocked => format!("; scratch: blocked ({})", {
                self.scratch_reasons.join("; ")
            }),
        });
        match (self.scratch, self.base) {
            (_, None) => line.push_str("; no known base"),
            (_, Some(Base::Scratch)) => {}
            (ImageScratch::Blocked, Some(base)) => {
                line.push_str(&format!("; smallest base: {}", base.image()))
            }
            // Ready with copied files; a base that has them is the other way there.
            (_, Some(base)) => line.push_str(&format!("; or FROM {}", base.image())),
        }
        line
    }
}

/// A program's verdict inside an image, before its verdict on scratch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Here {
    pub runs: Starts,
    /// Why it fails here, or why that cannot be decided.
    pub reasons: Vec<String>,
}

impl Here {
    /// `runs here`, `fails here: <why>`, `may fail here: <why>`.
    pub fn summary(&self) -> String {
        match self.runs {
            Starts::Yes => "runs here".to_string(),
            Starts::No => format!("fails here: {}", self.reasons.join("; ")),
            Starts::Unknown => format!("may fail here: {}", self.reasons.join("; ")),
        }
    }
}

/// The rules whose error on a program means the kernel or its loader will not start it here.
pub const START_RULES: &[Rule] = &[
    Rule::NotLinux,
    Rule::MissingLibraries,
    Rule::SymbolVersions,
    Rule::ArchMismatch,
    // An error only where the platform variant is below the program's level.
    Rule::CpuLevel,
];

/// The rules whose error in an image means a run-time file is missing.
const RUNTIME_RULES: &[(Rule, NeedKind)] = &[
    (Rule::NeedsCaCertificates, NeedKind::CaCertificates),
    (Rule::NeedsZoneinfo, NeedKind::Zoneinfo),
    (Rule::NeedsPasswd, NeedKind::Passwd),
    (Rule::NeedsTmp, NeedKind::Tmp),
    (Rule::NeedsHome, NeedKind::Home),
];

/// The JSON name of a run-time need (`ca-certificates`, `zoneinfo`, `passwd`, `tmp`, `home`).
pub fn need_id(kind: NeedKind) -> &'static str {
    match kind {
        NeedKind::CaCertificates => "ca-certificates",
        NeedKind::Zoneinfo => "zoneinfo",
        NeedKind::Passwd => "passwd",
        NeedKind::NameResolution => "name-resolution",
        NeedKind::Mime => "mime",
        NeedKind::Tmp => "tmp",
        NeedKind::Home => "home",
    }
}

/// Each executable's `runs here` verdict, from the findings the image rules left on it.
pub(super) fn judge_files(image: &Image<FileFacts>, files: &mut [Evaluation]) {
    for (file, evaluation) in image.files.iter().zip(files.iter_mut()) {
        let Some(elf) = file.inspection.elf_facts() else {
            continue;
        };
        if !elf.linking.is_executable() && elf.kernel_refuses.is_none() {
            continue;
        }
        let here = here(file.inspection.elf_facts(), &evaluation.findings);
        evaluation.verdict.judged_here(here);
    }
}

fn here(elf: Option<&crate::elf::ElfFacts>, findings: &[Finding]) -> Here {
    let mut no = Vec::new();
    let mut unknown = Vec::new();
    if let Some(why) = elf.and_then(|e| e.kernel_refuses.as_ref()) {
        no.push(format!("the kernel will not run it: {why}"));
    }
    for finding in findings.iter().filter(|f| START_RULES.contains(&f.rule)) {
        match finding.severity {
            Severity::Error => no.push(finding.message.clone()),
            Severity::Warning => unknown.push(finding.message.clone()),
            Severity::Note => {}
        }
    }
    if !no.is_empty() {
        Here {
            runs: Starts::No,
            reasons: no,
        }
    } else if !unknown.is_empty() {
        Here {
            runs: Starts::Unknown,
            reasons: unknown,
        }
    } else {
        Here {
            runs: Starts::Yes,
            reasons: Vec::new(),
        }
    }
}

/// One program on the way from the command to the process.
struct OnTheWay {
    /// The path it is reached by.
    path: String,
    /// Its real path.
    real: String,
    /// The program the image will finally run (not a shell or interpreter in front of it).
    runs: bool,
}

/// The image's verdict, from its command, its programs' evaluations (with the image rules'
/// updates applied) and the image findings. Returns the findings the verdict adds: a GS603
/// for each cause of `no` that no rule reported.
pub(super) fn judge(
    image: &Image<FileFacts>,
    command: &Command,
    files: &[Evaluation],
    image_findings: &[Finding],
    libraries: &Libraries,
    kept_without_command: &[usize],
) -> (ImageVerdict, Vec<Finding>) {
    let executables = Executables::new(image);
    let mut added = Vec::new();
    let mut no = Vec::new();
    let mut unknown = Vec::new();
    let rootfs = image.format == ImageFormat::Rootfs;
    if rootfs {
        unknown.push("a root filesystem has no config: no command to judge".to_string());
    }
    for finding in image_findings {
        let decides = matches!(finding.rule, Rule::Entrypoint | Rule::UnknownUser);
        if decides && finding.severity == Severity::Error {
            no.push(finding.message.clone());
        }
    }

    let way = if rootfs {
        Vec::new()
    } else {
        on_the_way(image, command)
    };
    // What would run, judged for scratch and run-time files even when the runtime cannot
    // start it as configured (the stage fixes the execute bit or the missing shell).
    let mut judged = Vec::new();
    for step in &way {
        let index = executables.index(&step.real);
        if step.runs
            && let Some(index) = index
        {
            judged.push(index);
        }
        if command.problem.is_some() {
            continue;
        }
        let Some(index) = index else {
            if image.tree.interpreter(&step.real).is_some() {
                // A script: its interpreter is the next step.
                continue;
            }
            let why = if executables.is_too_big(&step.real) {
                "was not analysed (over the size limit)"
            } else {
                "is neither an ELF program nor a #! script gostatic could read"
            };
            unknown.push(format!("{} {why}", step.path));
            continue;
        };
        let file = &image.files[index];
        let here = here(file.inspection.elf_facts(), &files[index].findings);
        match here.runs {
            Starts::Yes => {}
            Starts::Unknown => unknown.extend(here.reasons),
            Starts::No => {
                let reported = files[index]
                    .findings
                    .iter()
                    .any(|f| START_RULES.contains(&f.rule) && f.severity == Severity::Error);
                if !reported {
                    added.push(kernel_refusal(command, step, &here));
                }
                no.extend(here.reasons);
            }
        }
    }

    let (starts, start_reasons) = if !no.is_empty() {
        (Starts::No, no)
    } else if !unknown.is_empty() {
        (Starts::Unknown, unknown)
    } else {
        (Starts::Yes, Vec::new())
    };
    if judged.is_empty() && way.is_empty() {
        judged = kept_without_command.to_vec();
    }
    let (runtime_missing, runtime_reasons) = runtime(&judged, files);
    let scratch = scratch(image, command, &way, &judged, files, libraries);
    let verdict = ImageVerdict {
        starts,
        start_reasons,
        programs: way.iter().map(|s| s.path.clone()).collect(),
        runtime_missing,
        runtime_reasons,
        scratch: scratch.0,
        scratch_reasons: scratch.1,
        scratch_files: scratch.2,
        base: scratch.3,
    };
    (verdict, added)
}

/// The program the command names, its `#!` interpreter when it is a script, and the program a
/// looked-through shell runs.
fn on_the_way(image: &Image<FileFacts>, command: &Command) -> Vec<OnTheWay> {
    let mut way = Vec::new();
    let shell_runs = command.shell.as_ref().and_then(|s| s.program.as_ref());
    let mut push = |path: &str, real: &str, runs: bool| {
        if !way.iter().any(|s: &OnTheWay| s.real == real) {
            way.push(OnTheWay {
                path: path.to_string(),
                real: real.to_string(),
                runs,
            });
        }
    };
    let script = command
        .program
        .as_ref()
        .and_then(|p| image.tree.interpreter(&p.real));
    if let Some(program) = &command.program {
        let runs = shell_runs.is_none() && script.is_none() && shell_command(command).is_none();
        push(&program.path, &program.real, runs);
    }
    if let Some(line) = script
        && let Some(interpreter) = line
            .split_whitespace()
            .next()
            .filter(|w| w.starts_with('/'))
        && let Some((real, _)) = image.tree.resolve(interpreter)
    {
        push(interpreter, &real, false);
    }
    if let Some(inner) = shell_runs {
        push(&inner.path, &inner.real, true);
    }
    way
}

/// The script of a shell `-c` command that is more than a program and its arguments (pipes,
/// expansions...), which only the shell can run.
fn shell_command(command: &Command) -> Option<&str> {
    let program = command.program.as_ref()?;
    let base = |p: &str| p.rsplit('/').next().unwrap_or_default().to_string();
    let is_shell = [base(&program.real), base(&program.path)]
        .iter()
        .any(|b| SHELLS.contains(&b.as_str()));
    let script = command.argv.get(2).filter(|_| command.argv[1] == "-c")?;
    let simple = command.shell.as_ref().is_some_and(|s| s.program.is_some());
    (is_shell && !simple).then_some(script.as_str())
}

/// The GS603 for a program the kernel refuses (ENOEXEC): no other rule says so in an image.
fn kernel_refusal(command: &Command, step: &OnTheWay, here: &Here) -> Finding {
    Finding::new(
        Rule::Entrypoint,
        format!(
            "{} runs {}: {}",
            command.field.dockerfile(),
            step.path,
            here.reasons.join("; ")
        ),
        "rebuild the program for Linux on the image platform (GOOS=linux GOARCH=...), or point ENTRYPOINT at a program that runs",
    )
    .at(step.real.clone())
}

fn runtime(judged: &[usize], files: &[Evaluation]) -> (Vec<NeedKind>, Vec<String>) {
    let mut missing = Vec::new();
    let mut reasons = Vec::new();
    for &index in judged {
        for finding in &files[index].findings {
            let Some(&(_, kind)) = RUNTIME_RULES.iter().find(|(r, _)| *r == finding.rule) else {
                continue;
            };
            if finding.severity != Severity::Error {
                continue;
            }
            if !missing.contains(&kind) {
                missing.push(kind);
            }
            if !reasons.contains(&finding.message) {
                reasons.push(finding.message.clone());
            }
        }
    }
    missing.sort();
    (missing, reasons)
}

type ScratchAnswer = (ImageScratch, Vec<String>, Vec<String>, Option<Base>);

/// The started programs judged against an empty image, combined.
fn scratch(
    image: &Image<FileFacts>,
    command: &Command,
    way: &[OnTheWay],
    judged: &[usize],
    files: &[Evaluation],
    libraries: &Libraries,
) -> ScratchAnswer {
    let mut reasons = Vec::new();
    if let Some(step) = way.first()
        && image.tree.interpreter(&step.real).is_some()
    {
        let line = image.tree.interpreter(&step.real).unwrap_or_default();
        reasons.push(format!(
            "{} is a script (#!{}): an empty image has no interpreter",
            step.path,
            line.trim()
        ));
    }
    if let Some(script) = shell_command(command) {
        reasons.push(format!(
            "the command is a shell command ({script}): an empty image has no shell"
        ));
    }
    if judged.is_empty() && reasons.is_empty() {
        reasons.push(if image.format == ImageFormat::Rootfs || command.program.is_none() {
            "no program to judge: the command names none gostatic analysed, and the image has no Go program".to_string()
        } else {
            "the program the command runs was not analysed".to_string()
        });
    }
    let mut files_to_add: Vec<String> = Vec::new();
    // The programs' needs, merged, decide the base the way `check` decides one program's.
    let mut needs = Needs::default();
    let mut no_base = false;
    let mut any_ready_if_added = false;
    for &index in judged {
        let verdict = &files[index].verdict;
        let path = &image.files[index].image_path;
        // Copying this image's libraries into scratch does not help when they lack a version
        // the program needs.
        let versions_unmet = files[index]
            .findings
            .iter()
            .any(|f| f.rule == Rule::SymbolVersions);
        match verdict.scratch {
            Scratch::Ready => {}
            Scratch::ReadyIfAdded => any_ready_if_added = true,
            Scratch::Blocked => match copyable(image, index, libraries).filter(|_| !versions_unmet)
            {
                // Blocked on an empty image only by its loader and libraries, which this image
                // has: a scratch stage copies them (as lddtree --copy-to-tree would).
                Some(copies) => {
                    any_ready_if_added = true;
                    for copy in copies {
                        if !files_to_add.contains(&copy) {
                            files_to_add.push(copy);
                        }
                    }
                }
                None => reasons.extend(verdict.reasons.iter().map(|r| format!("{path} {r}"))),
            },
            Scratch::NotApplicable => {
                reasons.push(format!(
                    "{path} is not a program ({})",
                    verdict.reasons.join("; ")
                ));
            }
        }
        for file in &verdict.add {
            if !files_to_add.contains(file) {
                files_to_add.push(file.clone());
            }
        }
        match &image.files[index].inspection {
            FileFacts::Elf { elf, go } if verdict.base.is_some() => {
                needs.merge(&Needs::of(elf, go.as_deref()));
            }
            _ => no_base = true,
        }
    }
    let base = if no_base { None } else { fit(&needs).base };
    if !reasons.is_empty() {
        let base = if judged.is_empty() { None } else { base };
        return (ImageScratch::Blocked, reasons, files_to_add, base);
    }
    if any_ready_if_added {
        (ImageScratch::ReadyWithFiles, reasons, files_to_add, base)
    } else {
        (ImageScratch::Ready, reasons, files_to_add, base)
    }
}

/// The loader and libraries of a dynamic program whose closure the image completes; `None`
/// when something else blocks it or the image lacks one of them.
fn copyable(image: &Image<FileFacts>, index: usize, libraries: &Libraries) -> Option<Vec<String>> {
    let elf = image.files[index].inspection.elf_facts()?;
    let runs_anywhere = elf.os == crate::elf::ElfOs::Linux
        && elf.kernel_refuses.is_none()
        && elf.linking.is_executable()
        && elf
            .glibc_nss
            .as_ref()
            .is_none_or(|nss| !nss.loads_modules());
    let closure = libraries.of(index)?;
    if !runs_anywhere || !closure.missing.is_empty() {
        return None;
    }
    let mut copies: Vec<String> = closure.loader.iter().map(|l| l.path.clone()).collect();
    copies.extend(closure.libraries.iter().map(|l| l.path.clone()));
    if closure.libraries.iter().any(|l| l.via_cache) {
        copies.push("/etc/ld.so.cache".to_string());
    }
    Some(copies)
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
