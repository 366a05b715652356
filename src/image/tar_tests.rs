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
    assert_eq!(parse_number(b"0000644\0"), Some(0o644));
    assert_eq!(parse_number(b"  755 \0"), Some(0o755));
    assert_eq!(
        parse_number(&[0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
        Some(1 << 32)
    );
    assert_eq!(parse_number(b"9"), None);
}
