use super::*;
use crate::testkit::archive::TarBuilder;

fn read_all(bytes: &[u8]) -> Result<Vec<Header>, TarError> {
    let mut reader = TarReader::new(bytes, 4096);
    let mut out = Vec::new();
    while let Some(header) = reader.next_header()? {
        out.push(header);
    }
    Ok(out)
}

#[test]
fn reads_ustar_members_with_kinds_and_offsets() {
    let tar = TarBuilder::new()
        .dir("etc/")
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
        .symlink("bin", "usr/bin")
        .hardlink("etc/passwd2", "etc/passwd")
        .finish();
    let headers = read_all(&tar).unwrap();
    let kinds: Vec<EntryKind> = headers.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        [
            EntryKind::Dir,
            EntryKind::File,
            EntryKind::Symlink,
            EntryKind::HardLink
        ]
    );
    assert_eq!(headers[1].size, 26);
    assert_eq!(&tar[headers[1].data_offset as usize..][..4], b"root");
    assert_eq!(headers[2].link, "usr/bin");
}

#[test]
fn pax_and_gnu_long_names_replace_the_header_name() {
    let long = format!("{}/server", "d".repeat(150));
    let tar = TarBuilder::new()
        .pax_file(&long, b"x")
        .gnu_long_file(&format!("{long}2"), b"y")
        .finish();
    let headers = read_all(&tar).unwrap();
    assert_eq!(headers[0].name, long);
    assert_eq!(headers[1].name, format!("{long}2"));
}

#[test]
fn a_bad_checksum_is_refused_with_its_offset() {
    let mut tar = TarBuilder::new().file("a", b"x").finish();
    tar[0] = b'b';
    match read_all(&tar) {
        Err(TarError::Bad { offset: 0, detail }) => assert!(detail.contains("checksum")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_member_cut_short_is_truncated() {
    let mut builder = TarBuilder::new();
    builder.header("big", b'0', 0o644, 4096, "").raw(&[1; 100]);
    let bytes = builder.unfinished();
    let mut reader = TarReader::new(&bytes[..], 4096);
    reader.next_header().unwrap().unwrap();
    assert!(matches!(reader.next_header(), Err(TarError::Truncated(_))));
}

#[test]
fn a_long_name_over_the_limit_is_refused_before_allocation() {
    let mut builder = TarBuilder::new();
    builder.header("././@LongLink", b'L', 0o644, 1 << 40, "");
    let bytes = builder.unfinished();
    assert!(matches!(read_all(&bytes), Err(TarError::Bad { .. })));
    let tar = TarBuilder::new().pax_file(&"n".repeat(5000), b"").finish();
    assert!(matches!(read_all(&tar), Err(TarError::NameTooLong { .. })));
}

#[test]
fn base256_sizes_and_octal_fields_parse() {
    assert_eq!(parse_numeric(b"0000644\0"), Some(0o644));
    assert_eq!(parse_numeric(b"  755 \0"), Some(0o755));
    assert_eq!(
        parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
        Some(1 << 32)
    );
    assert_eq!(parse_numeric(b"9"), None);
}

/// What Go's `archive/tar` reads from each of `testkit::archive::hostile_tars`: its members
/// (name, type flag, data size), or `Err` with the start of our refusal.
fn go_reads(case: &str) -> Result<Vec<(String, u8, u64)>, &'static str> {
    let server = || ("server".to_string(), b'0', 20);
    let two = |name: &str, flag: u8| Ok(vec![(name.to_string(), flag, 0), server()]);
    match case {
        "symlink-with-size" => two("bin/sh", b'2'),
        "hardlink-with-size" => two("bin/sh", b'1'),
        "dir-with-size" => two("bin/", b'5'),
        "chardev-with-size" => two("bin/sh", b'3'),
        "blockdev-with-size" => two("bin/sh", b'4'),
        "fifo-with-size" => two("bin/sh", b'6'),
        "old-regular-file-with-slash" => two("etc/", b'5'),
        "pax-sparse-1.0" | "pax-sparse-0.1" | "pax-sparse-0.0" | "old-gnu-sparse" => Err("sparse"),
        "gnu-magic-with-prefix" => Ok(vec![("usr/local/bin/server".into(), b'0', 20)]),
        "star-prefix" => Ok(vec![(format!("{}d/server", "d/".repeat(65)), b'0', 20)]),
        "pax-size-then-long-name" => Ok(vec![("usr/bin/server".into(), b'0', 1000)]),
        "pax-replaces-pax" => Ok(vec![("decoy".into(), b'0', 20)]),
        "gnu-magic-with-times"
        | "long-name-beats-pax-path"
        | "global-header-drops-long-name"
        | "empty-pax-path" => Ok(vec![server()]),
        "zero-block-then-header" => Err("zero block"),
        other => panic!("no expectation for hostile case {other}"),
    }
}

/// Every member with its type flag and the bytes a reader of its data gets.
fn read_with_data(bytes: &[u8]) -> Result<Vec<(String, u8, Vec<u8>)>, TarError> {
    let mut reader = TarReader::new(bytes, 4096);
    let mut out = Vec::new();
    while let Some(header) = reader.next_header()? {
        let mut data = Vec::new();
        reader.read_data_to_end(&mut data)?;
        assert_eq!(data.len() as u64, header.size, "{}", header.name);
        out.push((header.name, header.flag, data));
    }
    Ok(out)
}

#[test]
fn hostile_headers_are_read_as_go_reads_them_or_refused() {
    let mut wrong = Vec::new();
    for (case, tar) in crate::testkit::archive::hostile_tars() {
        let ours = read_with_data(&tar);
        let ok = match (go_reads(case), &ours) {
            (Ok(expected), Ok(got)) => {
                let got: Vec<(String, u8, u64)> = got
                    .iter()
                    .map(|(n, f, d)| (n.clone(), *f, d.len() as u64))
                    .collect();
                got == expected
                    && ours.as_ref().unwrap().iter().all(|(name, _, data)| {
                        !name.ends_with("server") || data.starts_with(b"\x7fELF hidden")
                    })
            }
            (Err("sparse"), Err(TarError::Refused { name, reason, .. })) => {
                name == "server" && reason.contains("sparse")
            }
            (Err("zero block"), Err(TarError::Bad { detail, .. })) => detail.contains("zero"),
            _ => false,
        };
        if !ok {
            wrong.push(format!("{case}: {ours:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "read differently from Go:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn a_header_only_member_has_no_data_to_read() {
    let tar = crate::testkit::archive::hostile_tars()
        .into_iter()
        .find(|(case, _)| *case == "symlink-with-size")
        .unwrap()
        .1;
    let mut reader = TarReader::new(&tar[..], 4096);
    let link = reader.next_header().unwrap().unwrap();
    assert_eq!((link.kind, link.size), (EntryKind::Symlink, 0));
    assert_eq!(reader.read_data(&mut [0; 16]).unwrap(), 0);
    let server = reader.next_header().unwrap().unwrap();
    assert_eq!((server.name.as_str(), server.data_offset), ("server", 1024));
}

#[test]
fn numbers_parse_as_go_parses_them() {
    // Leading and trailing spaces and NULs are trimmed; anything else must be octal digits.
    assert_eq!(parse_octal(b" 0000644 \0"), Some(0o644));
    assert_eq!(parse_octal(b"\0\0\0\0"), Some(0));
    assert_eq!(parse_octal(b"12 34\0"), None);
    assert_eq!(parse_octal(b"0644\0xyz"), Some(0o644));
    // Base-256: two's complement, so a set sign bit is negative.
    assert_eq!(parse_numeric(&[0xff; 8]), Some(-1));
    assert_eq!(
        parse_numeric(&[0x80, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        None
    );
}

#[test]
fn a_capability_xattr_belongs_to_the_next_member_only() {
    // `setcap cap_net_bind_service=ep`: revision 2, effective, bit 10 permitted.
    let value = "\u{1}\0\0\u{2}\0\u{4}\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    let tar = TarBuilder::new()
        .pax(&[
            ("SCHILY.xattr.security.capability", value),
            ("SCHILY.xattr.user.other", "x"),
        ])
        .file("server", b"x")
        .file("plain", b"y")
        .pax(&[("SCHILY.xattr.security.capability", "")])
        .file("empty", b"z")
        .finish();
    let headers = read_all(&tar).unwrap();
    assert_eq!(headers[0].capability.as_deref(), Some(value.as_bytes()));
    assert_eq!(headers[1].capability, None);
    // `mergePAX` keeps the header's own value for an empty record: there is none.
    assert_eq!(headers[2].capability, None);
    assert_eq!(
        crate::image::caps::FileCaps::decode(value.as_bytes()).to_string(),
        "cap_net_bind_service=ep"
    );
}
