use super::*;
use crate::facts::FileFacts;
use crate::testkit::image::Layer;
use crate::testkit::image::{Config, image_layers, one_layer};

fn run(image: &Image<FileFacts>) -> Vec<String> {
    let mut out = Vec::new();
    check(image, &mut out);
    out.iter()
        .map(|f| format!("{} {}", f.rule.id(), f.message))
        .collect()
}

#[test]
fn a_clean_image_has_no_leftovers() {
    assert!(run(&one_layer(|t| t.file("server", b"x").dir("etc"))).is_empty());
}

#[test]
fn wasted_bytes_below_the_threshold_are_not_reported() {
    let base = Layer::new().file("big", &[0u8; 1000]).clone();
    let top = Layer::new().whiteout("", "big").clone();
    assert!(run(&image_layers(&[base, top], Config::default())).is_empty());
}

#[test]
fn wasted_bytes_name_the_layers_and_the_largest_places() {
    let mib = vec![7u8; 1 << 20];
    let base = Layer::new()
        .dir("var/lib/apt/lists")
        .file("var/lib/apt/lists/a", &mib)
        .file("var/lib/apt/lists/b", &mib)
        .file("app", &mib[..1000])
        .clone();
    let middle = Layer::new()
        .whiteout("var/lib/apt", "lists")
        .file("app", &mib[..512])
        .file("tool", &mib[..2048])
        .clone();
    let top = Layer::new().whiteout("", "tool").clone();
    let found = run(&image_layers(&[base, middle, top], Config::default()));
    assert_eq!(
        found,
        [
            "GS608 2.0 MiB in lower layers is overwritten or deleted later (layer 0 2.0 MiB, \
          layer 1 2.0 KiB; largest: /var/lib/apt/lists/ 2.0 MiB in layer 0, /tool 2.0 KiB in \
          layer 1, /app 1000 B in layer 0)"
        ]
    );
}

#[test]
fn a_go_toolchain_is_found_by_its_layout() {
    let found = run(&one_layer(|t| {
        t.file("usr/local/go/bin/go", b"x")
            .file("usr/local/go/bin/gofmt", b"x")
            .dir("usr/local/go/pkg/tool")
            .file("usr/local/go/src/fmt/print.go", b"package fmt")
            .symlink("usr/bin/go", "/usr/local/go/bin/go")
            // A binary called go without a GOROOT around it is just a program.
            .file("opt/bin/go", b"x")
    }));
    assert_eq!(
        found,
        ["GS609 Go toolchain in the image: /usr/local/go/bin/go"]
    );
}

#[test]
fn a_c_compiler_is_named_once_per_driver_with_its_backend() {
    let found = run(&one_layer(|t| {
        t.file("usr/bin/x86_64-linux-gnu-gcc-12", b"x")
            .symlink("usr/bin/gcc-12", "x86_64-linux-gnu-gcc-12")
            .symlink("usr/bin/gcc", "gcc-12")
            .symlink("usr/bin/cc", "gcc")
            .file("usr/lib/gcc/x86_64-linux-gnu/12/cc1", b"x")
            .file("usr/bin/ccache-stats", b"x")
            .file("usr/share/doc/gcc", b"x")
    }));
    assert_eq!(
        found,
        ["GS609 C compiler in the image: /usr/bin/cc, /usr/lib/gcc/x86_64-linux-gnu/12/cc1"]
    );
}

#[test]
fn c_driver_names() {
    for name in [
        "cc",
        "gcc",
        "gcc-12",
        "clang-16",
        "clang++",
        "x86_64-linux-gnu-gcc-12",
        "aarch64-linux-gnu-g++",
    ] {
        assert!(is_c_driver(name), "{name}");
    }
    for name in [
        "ccache",
        "gcc-ar",
        "rcc",
        "foo-gcc",
        "clang-format",
        "x86_64-linux-gnu-ld",
    ] {
        assert!(!is_c_driver(name), "{name}");
    }
}

#[test]
fn a_rust_toolchain_is_found() {
    let found = run(&one_layer(|t| {
        t.file("usr/local/cargo/bin/cargo", b"x")
            .file("usr/local/cargo/bin/rustc", b"x")
    }));
    assert_eq!(
        found,
        [
            "GS609 Rust toolchain in the image: /usr/local/cargo/bin/cargo, /usr/local/cargo/bin/rustc"
        ]
    );
}

#[test]
fn sources_module_cache_and_build_cache_are_counted() {
    let found = run(&one_layer(|t| {
        t.file("app/main.go", b"package main")
            .file("app/go.mod", b"module x")
            .file("app/internal/x.go", b"package x")
            .dir("go/pkg/mod/cache/download")
            .file("go/pkg/mod/example.com/m@v1.0.0/go.mod", b"module m")
            .file("go/pkg/mod/example.com/m@v1.0.0/m.go", b"package m")
            .file("root/.cache/go-build/aa/aabb-d", &[1u8; 3000])
            .file("usr/local/go/bin/go", b"x")
            .dir("usr/local/go/pkg/tool")
            .file("usr/local/go/src/fmt/print.go", b"package fmt")
    }));
    assert_eq!(
        found,
        [
            "GS609 Go toolchain in the image: /usr/local/go/bin/go",
            "GS610 Go sources in the image: 3 .go files (1 in the module cache), /app/go.mod, \
             module cache /go/pkg/mod (17 B), build cache /root/.cache/go-build (2.9 KiB)"
        ]
    );
}
