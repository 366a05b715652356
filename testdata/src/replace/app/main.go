// app: depends on example.com/greeting through a local directory replace directive, so the
// binary's module list has a "=> ../greeting" line (a build that cannot be reproduced from the
// module proxy).
package main

import (
	"os"

	"example.com/greeting"
)

func main() {
	os.Stdout.WriteString(greeting.Text() + "\n")
}
