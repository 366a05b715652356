# The fleet summary of joined `gostatic image --format jsonl` lines (jq -s -f summary.jq).
# Each line is one source: its image (null when it could not be read) and its errors; an
# archive holding several images gives a line each, named here as SOURCE[NAME].
def place: if .image.name then "\(.source)[\(.image.name)]" else .source end;
{
  images: length,
  unreadable: [.[] | select(.image == null) | {source, error: .errors[0].message}],
  will_not_start: [.[] | select(.image.verdict.starts == "no") | place],
  scratch_ready: [.[] | select(.image.verdict.scratch == "ready") | place],
  findings: (map(.summary.findings) | {
    error: (map(.error) | add // 0),
    warning: (map(.warning) | add // 0),
    note: (map(.note) | add // 0)
  }),
  by_rule: ([.[] | (.image.findings[]?, .files[]?.findings[]?) | .rule]
    | group_by(.) | map({(.[0]): length}) | add // {})
}
