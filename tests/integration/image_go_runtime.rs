//! GS508 hosts-order through the real reader, on the Go 1.15 fixture whose recorded runs
//! (`testdata/go/go1.15-hosts.hosts-order`, Go's own GODEBUG=netdns=go+2 output in a chroot)
//! show the order the rule claims.

use gostatic::testkit::archive::TarBuilder;

use crate::util::{file_at, go_fixture, image_of_layer};

/// The Go 1.15 fixture's own account of its lookup order (`testdata/build.sh`, run in a chroot
/// with GODEBUG=netdns=go+2), without and with /etc/nsswitch.conf.
fn recorded_orders() -> (String, String) {
    let record = std::fs::read_to_string(go_fixture("go1.15-hosts.hosts-order")).unwrap();
    let (without, with) = record.split_once("# /etc/nsswitch.conf").expect("two runs");
    let order = |run: &str| {
        run.lines()
            .find_map(|l| l.split_once("hostLookupOrder(gostatic-test-host) = "))
            .map(|(_, order)| order.to_string())
            .unwrap_or_else(|| panic!("no order in {run}"))
    };
    (order(without), order(with))
}

#[test]
fn an_old_resolver_is_reported_where_it_really_asks_dns_first() {
    let (without, with) = recorded_orders();
    assert_eq!(
        (without.as_str(), with.as_str()),
        ("dns,files", "files,dns")
    );
    let program = std::fs::read(go_fixture("go1.15-hosts")).unwrap();
    let hosts_order = |nsswitch: bool| {
        let mut layer = TarBuilder::new();
        layer
            .dir("etc/")
            .file_mode("etc/hosts", 0o644, b"127.0.0.1 localhost\n")
            .file_mode("hosts", 0o755, &program);
        if nsswitch {
            layer.file_mode("etc/nsswitch.conf", 0o644, b"hosts: files dns\n");
        }
        let (report, _) = image_of_layer("hosts:1", &layer, |spec| {
            spec.entrypoint = vec!["/hosts".into()];
        });
        file_at(&report, "/hosts")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "GS508")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        hosts_order(false),
        [
            "built with go1.15.15, it resolves names and the image has no /etc/nsswitch.conf: its \
          resolver asks DNS before /etc/hosts"
        ]
    );
    assert!(hosts_order(true).is_empty());
}
