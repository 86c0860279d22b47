// Command kbk-frontend is kbk's BuildKit gateway frontend image entry point.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "kbk-frontend: not yet wired")
	os.Exit(1)
}
