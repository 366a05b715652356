// cgohello: really uses cgo, so the binary links libc dynamically.
package main

/*
#include <stdio.h>
static void greet(void) { puts("hello from C via cgo"); fflush(stdout); }
*/
import "C"

func main() {
	C.greet()
}
