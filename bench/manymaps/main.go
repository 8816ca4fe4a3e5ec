// manymaps holds a chosen number of separate memory mappings, so the memory-map bench can read
// /proc/PID/smaps of a process as large as a JVM or a browser: anonymous mappings one page apart,
// alternately read-only and read-write so the kernel cannot merge neighbours, each one touched.
// It prints "ready" once they are all mapped and then waits to be killed.
package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("mappings", 10000, "how many separate mappings to hold")
	flag.Parse()
	page := os.Getpagesize()
	// One reservation, then each other page re-protected: n mappings that cannot merge.
	region, err := syscall.Mmap(-1, 0, *n*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "manymaps:", err)
		os.Exit(1)
	}
	for i := 0; i < *n; i++ {
		region[i*page] = 1 // resident, so smaps has figures to report
	}
	for i := 1; i < *n; i += 2 {
		if err := syscall.Mprotect(region[i*page:(i+1)*page], syscall.PROT_READ); err != nil {
			fmt.Fprintln(os.Stderr, "manymaps: mprotect:", err)
			os.Exit(1)
		}
	}
	fmt.Println("ready")
	for {
		time.Sleep(time.Hour)
	}
}
