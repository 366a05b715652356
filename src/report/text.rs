//! The human report: one block per file (what it is, the scratch verdict, findings with their
//! fix), then a summary line. Colour is decided by the caller; untrusted strings are escaped.

use std::io::{self, Write};

use colored::{ColoredString, Colorize};

use super::image::{ImageSection, size_line};
use super::{FileReport, Report};
use crate::gobin::analysis::VersionSource;
use crate::rules::image::Starts;
use crate::rules::{Finding, Scratch, Severity, human_bytes};
use crate::sanitize::for_terminal;

#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub color: bool,
    /// Only findings: no file headers, verdicts or summary.
    pub quiet: bool,
    /// Image mode: every executable in full, not only the programs the command runs.
    pub all: bool,
    /// Also the rules that do not apply to a file (`n/a`), and why.
    pub verbose: bool,
    /// Wrap lines to this many columns with a hanging indent (a terminal's width); `None`
    /// writes each line whole, as pipes and files want.
    pub width: Option<usize>,
}

/// A report with more files than this ends with the tally per rule and the blocked files,
/// which a reader would otherwise scroll back for.
const TALLY_AFTER_FILES: usize = 12;

struct Painter {
    color: bool,
    /// `n/a` lines too.
    verbose: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: fn(&str) -> ColoredString) -> String {
        if self.color {
            style(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let style: fn(&str) -> ColoredString = match severity {
            Severity::Error => |s| s.red().bold(),
            Severity::Warning => |s| s.yellow().bold(),
            Severity::Note => |s| s.cyan(),
        };
        self.paint(severity.as_str(), style)
    }
}

pub fn render(report: &Report, out: &mut dyn Write, options: TextOptions) -> io::Result<()> {
    let Some(width) = options.width else {
        return render_lines(report, out, options);
    };
    let mut text = Vec::new();
    render_lines(report, &mut text, options)?;
    for line in String::from_utf8_lossy(&text).lines() {
        for piece in wrap(line, width) {
            writeln!(out, "{piece}")?;
        }
    }
    Ok(())
}

/// One line as lines of at most `width` visible columns (colour codes take none), broken at
/// spaces; each continuation is indented four more than the line, so a message's wrapped words
/// hang under it. A word longer than the width stays whole.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let visible = |text: &str| {
        let mut count = 0;
        let mut in_escape = false;
        for c in text.chars() {
            match (in_escape, c) {
                (false, '\x1b') => in_escape = true,
                (true, 'm') => in_escape = false,
                (true, _) => {}
                (false, _) => count += 1,
            }
        }
        count
    };
    if visible(line) <= width {
        return vec![line.to_string()];
    }
    let indent = line.len() - line.trim_start_matches(' ').len();
    let hang = " ".repeat((indent + 4).min(width / 2));
    let mut pieces = Vec::new();
    let mut current = " ".repeat(indent);
    let mut has_word = false;
    for word in line.trim_start_matches(' ').split(' ') {
        let wanted = visible(&current) + usize::from(has_word) + visible(word);
        if has_word && wanted > width {
            pieces.push(std::mem::replace(&mut current, hang.clone()));
            has_word = false;
        }
        if has_word {
            current.push(' ');
        }
        current.push_str(word);
        has_word = true;
    }
    pieces.push(current);
    pieces
}

fn render_lines(report: &Report, out: &mut dyn Write, options: TextOptions) -> io::Result<()> {
    let painter = Painter {
        color: options.color,
        verbose: options.verbose,
    };
    let in_image =
        |file: &FileReport, index: usize| file.place.as_ref().map(|p| p.section) == Some(index);
    for (index, image) in report.images.iter().flatten().enumerate() {
        let files: Vec<&FileReport> = report.files.iter().filter(|f| in_image(f, index)).collect();
        if options.quiet {
            render_image_findings_only(image, out, &painter)?;
            for file in files {
                render_findings_only(file, out, &painter)?;
            }
        } else {
            render_image(image, out, &painter)?;
            render_image_files(image, &files, out, &painter, options.all)?;
            writeln!(out)?;
        }
    }
    let images = report.images.as_ref().map_or(0, Vec::len);
    let loose = report
        .files
        .iter()
        .filter(|f| f.place.as_ref().is_none_or(|p| p.section >= images));
    for (index, file) in loose.enumerate() {
        if options.quiet {
            render_findings_only(file, out, &painter)?;
            continue;
        }
        if index > 0 {
            writeln!(out)?;
        }
        render_file(file, out, &painter)?;
    }
    if options.quiet {
        return Ok(());
    }
    if !report.files.is_empty() && report.images.is_none() {
        writeln!(out)?;
    }
    if report.files.len() > TALLY_AFTER_FILES {
        render_tally(report, out, &painter)?;
    }
    writeln!(out, "{}", summary_line(report))
}

/// After many files: each rule's active findings counted, worst first, and the files blocked
/// from scratch, so the end of a long report says what the whole of it says.
fn render_tally(report: &Report, out: &mut dyn Write, painter: &Painter) -> io::Result<()> {
    type Places<'a> = std::collections::BTreeSet<String>;
    let mut counts: Vec<(crate::rules::Rule, Severity, Places)> = Vec::new();
    let image_findings = report
        .images
        .iter()
        .flatten()
        .flat_map(|i| i.findings.iter().map(move |f| (i.finding_path(f), f)));
    let file_findings = report
        .files
        .iter()
        .flat_map(|file| file.findings.iter().map(|f| (file.path.clone(), f)));
    for (path, finding) in image_findings.chain(file_findings) {
        if !finding.is_active() {
            continue;
        }
        match counts
            .iter_mut()
            .find(|(rule, severity, _)| *rule == finding.rule && *severity == finding.severity)
        {
            Some((_, _, places)) => {
                places.insert(path);
            }
            None => counts.push((finding.rule, finding.severity, Places::from([path]))),
        }
    }
    let mut counts: Vec<(crate::rules::Rule, Severity, usize)> = counts
        .into_iter()
        .map(|(rule, severity, places)| (rule, severity, places.len()))
        .collect();
    counts.sort_by_key(|&(rule, severity, n)| {
        (std::cmp::Reverse(severity), std::cmp::Reverse(n), rule)
    });
    // An image finding may be about the image itself, not a file.
    let (one, many) = if report.images.is_some() {
        ("place", "places")
    } else {
        ("file", "files")
    };
    if !counts.is_empty() {
        writeln!(out, "by rule:")?;
        for (rule, severity, n) in counts {
            writeln!(
                out,
                "  {}[{} {}] {}",
                painter.severity(severity),
                rule.id(),
                rule.slug(),
                plural(n, one, many)
            )?;
        }
    }
    let blocked: Vec<&str> = report
        .files
        .iter()
        .filter(|f| f.verdict.scratch == Scratch::Blocked)
        .map(|f| f.path.as_str())
        .collect();
    if !blocked.is_empty() {
        let line = format!("blocked on scratch: {}", blocked.join(", "));
        writeln!(out, "{}", for_terminal(&line))?;
    }
    writeln!(out)
}

/// An image's executables: the programs its command runs in full (all of them with `--all`),
/// the others as counts by linking class and their warnings and errors.
fn render_image_files(
    image: &ImageSection,
    files: &[&FileReport],
    out: &mut dyn Write,
    painter: &Painter,
    all: bool,
) -> io::Result<()> {
    let programs = image
        .verdict
        .as_ref()
        .map(|v| &v.programs[..])
        .unwrap_or(&[]);
    // Nothing to put first (no command, a root filesystem): everything in full.
    let all = all || programs.is_empty();
    let (full, rest): (Vec<&FileReport>, Vec<&FileReport>) = files.iter().partition(|file| {
        all || file
            .image_path()
            .is_some_and(|path| programs.iter().any(|p| p == path))
    });
    for file in full {
        writeln!(out)?;
        render_file(file, out, painter)?;
    }
    if rest.is_empty() {
        return Ok(());
    }
    let mut classes: Vec<(String, usize)> = Vec::new();
    for file in &rest {
        let class = match &file.elf {
            Some(elf) => elf.linking.as_str().to_string(),
            None => file.format.to_string(),
        };
        match classes.iter_mut().find(|(c, _)| *c == class) {
            Some((_, count)) => *count += 1,
            None => classes.push((class, 1)),
        }
    }
    classes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let counts: Vec<String> = classes.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let go = rest.iter().filter(|f| f.go.is_some()).count();
    let go = if go > 0 {
        format!("; {go} Go")
    } else {
        String::new()
    };
    writeln!(out)?;
    writeln!(
        out,
        "  {} ({}{go}); --all shows them in full",
        plural(rest.len(), "other executable", "other executables"),
        counts.join(", ")
    )?;
    for file in rest {
        let mut serious: Vec<&Finding> = file
            .findings
            .iter()
            .filter(|f| f.is_active() && f.severity >= Severity::Warning)
            .collect();
        serious.sort_by_key(|f| (std::cmp::Reverse(f.severity), f.rule));
        let path = file.image_path().unwrap_or(&file.path);
        for finding in serious {
            write!(out, "  ")?;
            quiet_line(out, painter, path, finding)?;
        }
    }
    Ok(())
}

fn render_file(file: &FileReport, out: &mut dyn Write, painter: &Painter) -> io::Result<()> {
    let path = for_terminal(&file.path);
    let link = file
        .link
        .as_ref()
        .map(|to| format!(" -> {}", for_terminal(to)))
        .unwrap_or_default();
    writeln!(
        out,
        "{}{link}: {}",
        painter.paint(&path, |s| s.bold()),
        describe(file)
    )?;
    if !file.aliases.is_empty() {
        let names: Vec<String> = file
            .aliases
            .iter()
            .map(|alias| match &alias.link {
                Some(to) => format!("{} -> {to}", alias.path),
                None => alias.path.clone(),
            })
            .collect();
        let line = format!("  also named: {}", names.join(", "));
        writeln!(
            out,
            "{}",
            painter.paint(&for_terminal(&line), |s| s.dimmed())
        )?;
    }
    let verdict = for_terminal(&file.verdict.summary);
    let verdict = match file.verdict.scratch {
        Scratch::Ready => painter.paint(&verdict, |s| s.green().bold()),
        Scratch::ReadyIfAdded => painter.paint(&verdict, |s| s.yellow().bold()),
        Scratch::Blocked => painter.paint(&verdict, |s| s.red().bold()),
        Scratch::NotApplicable => painter.paint(&verdict, |s| s.dimmed()),
    };
    writeln!(out, "  {verdict}")?;
    render_findings(&file.findings, out, painter)?;
    for skipped in file.not_applicable.iter().filter(|_| painter.verbose) {
        let line = format!(
            "  n/a[{} {}] {}",
            skipped.rule.id(),
            skipped.slug,
            skipped.reason
        );
        writeln!(out, "{}", painter.paint(&line, |s| s.dimmed()))?;
    }
    Ok(())
}

/// Findings with their fix, suppressed ones dimmed: the same in a file block and an image
/// block.
fn render_findings(findings: &[Finding], out: &mut dyn Write, painter: &Painter) -> io::Result<()> {
    let mut findings: Vec<&Finding> = findings.iter().collect();
    findings.sort_by_key(|f| (std::cmp::Reverse(f.severity), f.rule));
    for finding in findings {
        if let Some(suppression) = &finding.suppressed {
            // Still shown, so nobody forgets the debt, but dimmed and without the fix.
            let mut why = format!("reason: {}", suppression.reason);
            if let Some(expires) = &suppression.expires {
                why.push_str(&format!(", expires {expires}"));
            }
            let line = format!(
                "  suppressed[{} {}] {} ({})",
                finding.rule.id(),
                finding.slug,
                finding.message,
                why
            );
            writeln!(
                out,
                "{}",
                painter.paint(&for_terminal(&line), |s| s.dimmed())
            )?;
            continue;
        }
        writeln!(
            out,
            "  {}[{} {}] {}",
            painter.severity(finding.severity),
            finding.rule.id(),
            finding.slug,
            for_terminal(&finding.message)
        )?;
        writeln!(
            out,
            "      {} {}",
            painter.paint("fix:", |s| s.dimmed()),
            for_terminal(&finding.fix)
        )?;
    }
    Ok(())
}

/// `image app:1 (oci-archive, linux/amd64)`, its layers and run configuration.
fn render_image(image: &ImageSection, out: &mut dyn Write, painter: &Painter) -> io::Result<()> {
    let title = format!("image {}", for_terminal(&image.name));
    let platform = image.platform.to_string();
    let mut facts = vec![image.format.as_str().to_string()];
    if platform != "/" {
        facts.push(for_terminal(&platform).into_owned());
    }
    writeln!(
        out,
        "{} ({})",
        painter.paint(&title, |s| s.bold()),
        facts.join(", ")
    )?;
    if let Some(verdict) = &image.verdict {
        let summary = verdict.summary();
        let line = for_terminal(&summary);
        let line = match verdict.starts {
            Starts::Yes if verdict.runtime_missing.is_empty() => {
                painter.paint(&line, |s| s.green().bold())
            }
            Starts::Yes | Starts::Unknown => painter.paint(&line, |s| s.yellow().bold()),
            Starts::No => painter.paint(&line, |s| s.red().bold()),
        };
        // What each missing file makes fail is the GS501–GS503 findings' to say, below.
        writeln!(out, "  {line}")?;
    }
    let stored: u64 = image.layers.iter().map(|l| l.size).sum();
    let unpacked: u64 = image.layers.iter().map(|l| l.uncompressed_size).sum();
    writeln!(
        out,
        "  {}, {} stored, {} uncompressed, {}",
        plural(image.layers.len(), "layer", "layers"),
        human_bytes(stored),
        human_bytes(unpacked),
        plural(image.entries, "path", "paths")
    )?;
    for (index, layer) in image.layers.iter().enumerate() {
        let label = layer.label(index);
        let short: String = label.chars().take(19).collect();
        let mut line = format!(
            "    {index}: {short} {} {} -> {}, {} entries",
            layer.compression.as_str(),
            human_bytes(layer.size),
            human_bytes(layer.uncompressed_size),
            layer.entries
        );
        if layer.wasted_bytes > 0 {
            line.push_str(&format!(
                ", {} hidden by later layers",
                human_bytes(layer.wasted_bytes)
            ));
        }
        writeln!(out, "{}", for_terminal(&line))?;
    }
    let list = |items: &Option<Vec<String>>| match items {
        None => "-".to_string(),
        Some(items) => format!("{items:?}"),
    };
    let user = if image.config.user.is_empty() {
        "(root)"
    } else {
        &image.config.user
    };
    writeln!(
        out,
        "  {}",
        for_terminal(&format!(
            "entrypoint {}, cmd {}, user {}, workdir {}",
            list(&image.config.entrypoint),
            list(&image.config.cmd),
            user,
            if image.config.workdir.is_empty() {
                "/"
            } else {
                &image.config.workdir
            }
        ))
    )?;
    for skipped in &image.skipped {
        writeln!(
            out,
            "  {}",
            for_terminal(&format!(
                "not analysed: {} ({}): {}",
                skipped.image_path,
                human_bytes(skipped.size),
                skipped.reason
            ))
        )?;
    }
    for note in &image.notes {
        writeln!(out, "  note: {}", for_terminal(note))?;
    }
    render_findings(&image.findings, out, painter)?;
    if let Some(size) = &image.size {
        writeln!(out, "  size: {}", for_terminal(&size_line(size)))?;
        if !size.dockerfile.is_empty() {
            writeln!(out, "  {}", painter.paint("final stage:", |s| s.dimmed()))?;
            for line in &size.dockerfile {
                writeln!(out, "      {}", for_terminal(line))?;
            }
        } else if let Some(reason) = &size.no_stage_reason {
            let label = painter.paint("final stage:", |s| s.dimmed());
            writeln!(out, "  {label} none: {}", for_terminal(reason))?;
        }
    }
    Ok(())
}

fn render_findings_only(
    file: &FileReport,
    out: &mut dyn Write,
    painter: &Painter,
) -> io::Result<()> {
    // Quiet output is what could fail the run: suppressed findings are left out.
    for finding in file.findings.iter().filter(|f| f.is_active()) {
        quiet_line(out, painter, &file.path, finding)?;
    }
    Ok(())
}

fn render_image_findings_only(
    image: &ImageSection,
    out: &mut dyn Write,
    painter: &Painter,
) -> io::Result<()> {
    for finding in image.findings.iter().filter(|f| f.is_active()) {
        quiet_line(out, painter, &image.finding_path(finding), finding)?;
    }
    Ok(())
}

/// `PATH: severity[ID slug] message`, one active finding in `--quiet` output.
fn quiet_line(
    out: &mut dyn Write,
    painter: &Painter,
    path: &str,
    finding: &Finding,
) -> io::Result<()> {
    writeln!(
        out,
        "{}: {}[{} {}] {}",
        for_terminal(path),
        painter.severity(finding.severity),
        finding.rule.id(),
        finding.slug,
        for_terminal(&finding.message)
    )
}

/// `ELF64 x86-64 (amd64) EXEC, static, Go 1.27.3, 1.2 MiB` or `PE x86-64 (windows), Go 1.27.3, 2.1 MiB`.
fn describe(file: &FileReport) -> String {
    if let Some(elf) = &file.elf {
        let mut parts = vec![
            match elf.arch {
                // The name Go and OCI give it, where it differs from the ELF machine's.
                Some(arch) if !arch.eq_ignore_ascii_case(&elf.machine) => {
                    format!("{} {} ({arch}) {}", elf.class, elf.machine, elf.elf_type)
                }
                _ => format!("{} {} {}", elf.class, elf.machine, elf.elf_type),
            },
            elf.linking.as_str().to_string(),
        ];
        if elf.endian == crate::elf::Endian::Big {
            parts[0].push_str(" big-endian");
        }
        if elf.os != crate::elf::ElfOs::Linux {
            parts.push(format!("for {}", elf.os));
        }
        match (&file.go, elf.go) {
            (Some(go), _) => parts.push(match (&go.version, &go.version_range) {
                // Without buildinfo, say how the version was found.
                (Some(version), _) => match go.version_source {
                    Some(source) if source != VersionSource::Buildinfo => format!(
                        "Go {} (from the {})",
                        version.trim_start_matches("go"),
                        source.describe()
                    ),
                    _ => format!("Go {}", version.trim_start_matches("go")),
                },
                (None, Some(range)) => format!("Go {range}"),
                (None, None) => "Go".to_string(),
            }),
            (None, true) => parts.push("Go".to_string()),
            (None, false) => {}
        }
        if elf.upx.is_some() {
            parts.push("UPX-packed".to_string());
        }
        if let Some(reason) = &elf.section_table_unusable {
            parts.push(format!("section table unusable: {reason}"));
        } else if elf.section_headers == 0 {
            parts.push("no section headers".to_string());
        }
        if elf.views_agree == Some(false) {
            parts.push("section table disagrees with program headers".to_string());
        }
        parts.push(human_bytes(file.size));
        return for_terminal(&parts.join(", ")).into_owned();
    }
    if let Some(foreign) = &file.foreign {
        let go = foreign
            .go_version
            .as_deref()
            .map(|v| format!(", Go {}", v.trim_start_matches("go")))
            .unwrap_or_default();
        return for_terminal(&format!(
            "{} {} ({}){go}, {}",
            foreign.format,
            foreign.arch.join("+"),
            foreign.os,
            human_bytes(file.size)
        ))
        .into_owned();
    }
    if let Some(script) = &file.script {
        return for_terminal(&format!(
            "#! script for {}, {}",
            script.line,
            human_bytes(file.size)
        ))
        .into_owned();
    }
    file.format.to_string()
}

/// `1 layer`, `2 layers`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `9 files: 6 ready, 3 blocked; 4 errors, 7 warnings, 8 notes`: the last line of the text
/// report, and what the CLI prints on stderr when the report goes to a file.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut line = String::new();
    if let Some(images) = &s.images {
        line.push_str(&plural(images.total, "image", "images"));
        let mut parts = Vec::new();
        if images.start > 0 {
            parts.push(plural(images.start, "starts", "start"));
        }
        if images.will_not_start > 0 {
            parts.push(format!("{} will not start", images.will_not_start));
        }
        if images.unknown > 0 {
            parts.push(format!("{} unknown", images.unknown));
        }
        if images.not_clean > 0 {
            parts.push(format!("{} lack run-time files", images.not_clean));
        }
        if !parts.is_empty() {
            line.push_str(&format!(": {}", parts.join(", ")));
        }
        line.push_str("; ");
    }
    line.push_str(&format!(
        "{}: {} ready",
        plural(s.files, "file", "files"),
        s.ready
    ));
    if s.ready_if_added > 0 {
        line.push_str(&format!(", {} ready if files are added", s.ready_if_added));
    }
    line.push_str(&format!(", {} blocked", s.blocked));
    if s.not_applicable > 0 {
        line.push_str(&format!(", {} not applicable", s.not_applicable));
    }
    line.push_str(&format!(
        "; {}, {}, {}",
        plural(s.findings.error, "error", "errors"),
        plural(s.findings.warning, "warning", "warnings"),
        plural(s.findings.note, "note", "notes")
    ));
    if s.suppressed > 0 {
        line.push_str(&format!(" ({} suppressed)", s.suppressed));
    }
    if s.errors > 0 {
        line.push_str(&format!(
            "; {} could not be read",
            plural(s.errors, "input", "inputs")
        ));
    }
    if !s.ignored.is_empty() {
        line.push_str(&format!(
            "; ignored by the policy file: {}",
            crate::rules::first_few(&s.ignored, s.ignored.len())
        ));
    }
    line
}
