package drills

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rmsuite/rmsuite/pkg/storage"
)

// postgres is a throw-away PostgreSQL cluster of the drills' own (initdb + pg_ctl in a
// temporary folder, on a free port), so that restarting it disturbs nobody else.
type postgres struct {
	bin, dir, port, version string
	cred                    *syscall.Credential // as the postgres user when we are root
}

// startPostgres finds the PostgreSQL binaries, creates a cluster and starts it.
func startPostgres() (*postgres, error) {
	bin, version, err := findPostgres()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rmsuite-drills-pg-")
	if err != nil {
		return nil, err
	}
	p := &postgres{bin: bin, dir: dir, version: version}
	if os.Geteuid() == 0 { // PostgreSQL refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	_, port, _ := net.SplitHostPort(freeAddr())
	p.port = port
	if out, err := p.run("initdb", "-D", filepath.Join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if err := p.start(); err != nil {
		return nil, err
	}
	return p, nil
}

// findPostgres looks for pg_ctl on PATH, then in Debian's /usr/lib/postgresql/<v>/bin.
func findPostgres() (bin, version string, err error) {
	if path, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			out, _ := exec.Command(path, "--version").Output()
			return filepath.Dir(path), strings.TrimSpace(strings.TrimPrefix(string(out), "pg_ctl (PostgreSQL)")), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(dirs) == 0 {
		return "", "", errors.New("no pg_ctl on PATH or in /usr/lib/postgresql/*/bin")
	}
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	return filepath.Dir(dirs[0]), strconv.Itoa(versionOf(dirs[0])), nil
}

func versionOf(path string) int {
	v, _ := strconv.Atoi(strings.Split(strings.TrimPrefix(path, "/usr/lib/postgresql/"), "/")[0])
	return v
}

func (p *postgres) run(tool string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(p.bin, tool), args...)
	cmd.Dir = p.dir
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	return cmd.CombinedOutput()
}

func (p *postgres) start() error {
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", p.port, p.dir)
	if out, err := p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "server.log"), "-w", "-t", "30", "-o", opts, "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	return nil
}

// stop shuts the cluster down at once (fast: open sessions are ended).
func (p *postgres) stop() error {
	if out, err := p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

func (p *postgres) remove() { _ = os.RemoveAll(p.dir) }

func (p *postgres) url(db string) string {
	return "postgres://postgres@127.0.0.1:" + p.port + "/" + db + "?sslmode=disable"
}

func (p *postgres) createDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, p.url("postgres"), storage.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Q(ctx).ExecContext(ctx, "CREATE DATABASE "+name)
	return err
}
