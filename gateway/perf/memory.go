package perf

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Memory is what a process holds: its resident set now and at its peak, in MiB
// (VmRSS and VmHWM of /proc/<pid>/status, Linux only).
type Memory struct {
	Process string  `json:"process"`
	PID     int     `json:"pid"`
	RSS     float64 `json:"rss_mib"`
	PeakRSS float64 `json:"peak_rss_mib"`
}

// ReadMemory reads the memory of process pid, named name.
func ReadMemory(name string, pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	m := Memory{Process: name, PID: pid}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(val) // "12345 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			return m, fmt.Errorf("/proc/%d/status: unexpected %s line %q", pid, key, val)
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return m, err
		}
		if key == "VmRSS" {
			m.RSS = kb / 1024
		} else {
			m.PeakRSS = kb / 1024
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
	}
	return m, nil
}
