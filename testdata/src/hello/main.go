// hello: the smallest useful Go program, std-only, no fmt (keeps committed fixtures small).
package main

import "os"

func main() {
	os.Stdout.WriteString("hello from a Go binary\n")
}
