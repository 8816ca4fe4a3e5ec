// fdfloor measures two things the watch-tick bench needs from outside Node, on a process that is
// already running:
//
//   - the floor: the least work any in-process reader must do for one tick's figures
//     (read /proc/PID/stat, status, cmdline and limits; list /proc/PID/fd; one readlinkat per FD,
//     relative to the open fd directory so no path is walked again; one stat per distinct path),
//     in Go with raw system calls, so no language runtime sits between the loop and the kernel;
//   - the peer run the lean way: `ps` + `lsof` forked and executed from a small Go process, as a
//     shell would, without the cost of spawning from a large Node process.
//
// It prints one JSON object: {"floorMs": [...], "peerMs": [...], "peerCpuMs": [...], "fds": N}.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

func readlinkat(dirfd int, name string, buf []byte) (int, error) {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return 0, err
	}
	n, _, errno := syscall.Syscall6(syscall.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// tick reads what one full tick reports and returns how many FDs it saw.
func tick(pid string, buf []byte) (int, error) {
	base := "/proc/" + pid + "/"
	for _, f := range []string{"stat", "status", "cmdline", "limits"} {
		if _, err := os.ReadFile(base + f); err != nil {
			return 0, err
		}
	}
	dir, err := os.Open(base + "fd")
	if err != nil {
		return 0, err
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return 0, err
	}
	paths := map[string]string{}
	types := map[string]int{}
	for _, name := range names {
		n, err := readlinkat(int(dir.Fd()), name, buf)
		if err != nil {
			continue // closed meanwhile
		}
		target := string(buf[:n])
		if target[0] == '/' {
			paths[target] = name
		} else {
			types[target[:4]]++
		}
	}
	var st syscall.Stat_t
	for _, fd := range paths {
		_ = syscall.Stat(base+"fd/"+fd, &st)
	}
	return len(names), nil
}

func main() {
	pid := flag.Int("pid", 0, "the process to read")
	rounds := flag.Int("rounds", 3, "floor rounds (the peer runs once)")
	flag.Parse()
	if *pid <= 0 {
		fmt.Fprintln(os.Stderr, "fdfloor: -pid is required")
		os.Exit(2)
	}
	p := strconv.Itoa(*pid)
	buf := make([]byte, 4096)
	out := struct {
		FloorMs []float64 `json:"floorMs"`
		PeerMs  []float64 `json:"peerMs"`
		// CPU time (user + system) of the two commands, from their rusage.
		PeerCpuMs []float64 `json:"peerCpuMs"`
		Fds       int       `json:"fds"`
	}{}
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	for i := 0; i < *rounds; i++ {
		t := time.Now()
		n, err := tick(p, buf)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fdfloor:", err)
			os.Exit(1)
		}
		out.FloorMs = append(out.FloorMs, ms(time.Since(t)))
		out.Fds = n
	}
	t := time.Now()
	ps := exec.Command("ps", "-o", "pid=,rss=,vsz=,%cpu=,nlwp=,stat=", "-p", p)
	if _, err := ps.Output(); err != nil {
		fmt.Fprintln(os.Stderr, "fdfloor: ps:", err)
		os.Exit(1)
	}
	lsof := exec.Command("lsof", "-n", "-P", "-p", p)
	if _, err := lsof.Output(); err != nil {
		fmt.Fprintln(os.Stderr, "fdfloor: lsof:", err)
		os.Exit(1)
	}
	out.PeerMs = append(out.PeerMs, ms(time.Since(t)))
	cpu := func(c *exec.Cmd) time.Duration { return c.ProcessState.UserTime() + c.ProcessState.SystemTime() }
	out.PeerCpuMs = append(out.PeerCpuMs, ms(cpu(ps)+cpu(lsof)))
	json.NewEncoder(os.Stdout).Encode(out)
}
