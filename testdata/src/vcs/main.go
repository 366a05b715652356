// vcs: built by build.sh inside a throwaway git repository (fixed author, dates and tag
// v1.2.3), with a tracked file changed after the commit, so the binary records vcs=git,
// vcs.revision, vcs.time, vcs.modified=true and, with Go 1.24+, the version v1.2.3+dirty.
package main

import "os"

func main() {
	os.Stdout.WriteString("hello from a vcs-stamped build\n")
}
