// Package drills runs the suite's failure drills as tests, on real processes on one
// machine: an embedded etcd, two instances of every service (on a throw-away
// PostgreSQL cluster when its binaries are installed, else on shared SQLite files)
// and the gateway, all built from this tree. Under load it kills an instance with
// SIGKILL, freezes one (SIGSTOP), stops etcd and restarts PostgreSQL, and checks what
// callers see: retried idempotent calls succeed and are applied once; a dead instance
// stops getting calls within its lease TTL; the system keeps serving without etcd and
// registers again when it returns; services recover from a database restart without
// being restarted. It kills the compensation instance computing a payroll run in the
// middle of writing its payslips and checks that the run never shows a half-written
// generation and that the computation, taken over, ends as a clean one does.
//
// The drills take about four minutes and are not part of `go test ./...`: run them with
// `make drills` (RMSUITE_DRILLS=1). With CI=true the PostgreSQL drill is required.
package drills
