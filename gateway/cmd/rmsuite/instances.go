package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles"
)

// instanceRow is one registered instance with the health it reported just now.
type instanceRow struct {
	Service   string    `json:"service"`
	Instance  string    `json:"instance"`
	Address   string    `json:"address"`
	Health    string    `json:"health"` // SERVING, NOT_SERVING, UNREACHABLE, …
	Version   string    `json:"version"`
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	StartedAt time.Time `json:"started_at"`
	Metrics   string    `json:"metrics,omitempty"`
}

// errNotAllServing makes `rmsuite instances --check` exit non-zero.
var errNotAllServing = errors.New("not every instance is SERVING")

// instances lists what is registered in etcd and asks each instance for its health.
func instances(args []string) error { return instancesTo(os.Stdout, args) }

func instancesTo(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("instances", flag.ContinueOnError)
	endpoints := fs.String("etcd-endpoints", envOr("RMSUITE_ETCD_ENDPOINTS", "127.0.0.1:2379"), "etcd client endpoints, comma separated")
	service := fs.String("service", "", "only this service (roster, assessment, compensation, visits)")
	asJSON := fs.Bool("json", false, "print JSON (one array) instead of a table")
	check := fs.Bool("check", false, "exit with status 1 unless every instance is SERVING (and at least one is registered)")
	timeout := fs.Duration("timeout", time.Second, "how long each instance's health check may take")
	var tlsCfg tlsfiles.Config // as the services' own settings: flags, else RMSUITE_TLS_*
	fs.StringVar(&tlsCfg.CertFile, "tls-cert", os.Getenv("RMSUITE_TLS_CERT"), "client certificate for the health probes (PEM); empty: plaintext")
	fs.StringVar(&tlsCfg.KeyFile, "tls-key", os.Getenv("RMSUITE_TLS_KEY"), "private key of tls-cert (PEM)")
	fs.StringVar(&tlsCfg.CAFile, "tls-ca", os.Getenv("RMSUITE_TLS_CA"), "CA bundle the instances' certificates must chain to (PEM)")
	fs.StringVar(&tlsCfg.ServerName, "tls-server-name", os.Getenv("RMSUITE_TLS_SERVER_NAME"), "name to verify in the instances' certificates; default: the host of each address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := tlsCfg.Validate(); err != nil {
		return err
	}
	creds, err := tlsCfg.DialOption(nil)
	if err != nil {
		return err
	}
	cli, err := discovery.NewClient(strings.Split(*endpoints, ","), zap.NewNop())
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := discovery.List(ctx, cli, *service)
	if err != nil {
		return fmt.Errorf("read etcd at %s: %w", *endpoints, err)
	}
	rows := probe(list, creds, *timeout)
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return err
		}
	} else if err := printInstances(out, rows, time.Now()); err != nil {
		return err
	}
	if *check {
		if len(rows) == 0 {
			return fmt.Errorf("%w: none registered", errNotAllServing)
		}
		for _, r := range rows {
			if r.Health != "SERVING" {
				return fmt.Errorf("%w: %s %s is %s", errNotAllServing, r.Service, r.Instance, r.Health)
			}
		}
	}
	return nil
}

// probe asks every instance for its health at once, each within timeout.
func probe(list []discovery.Instance, creds grpc.DialOption, timeout time.Duration) []instanceRow {
	rows := make([]instanceRow, len(list))
	var wg sync.WaitGroup
	for i, in := range list {
		rows[i] = instanceRow{Service: in.Meta.Service, Instance: in.Meta.Instance, Address: in.Addr, Version: in.Meta.Version,
			PID: in.Meta.PID, Host: in.Meta.Host, StartedAt: in.Meta.StartedAt, Metrics: in.Meta.Metrics}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows[i].Health = health(in.Addr, creds, timeout)
		}()
	}
	wg.Wait()
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Service != rows[j].Service {
			return rows[i].Service < rows[j].Service
		}
		return rows[i].StartedAt.Before(rows[j].StartedAt)
	})
	return rows
}

// printInstances writes the table and, per service, how many instances serve.
func printInstances(out io.Writer, rows []instanceRow, now time.Time) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(out, "no instances registered")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tINSTANCE\tADDRESS\tHEALTH\tVERSION\tPID\tHOST\tUP\tMETRICS")
	serving, total := map[string]int{}, map[string]int{}
	var services []string
	for _, r := range rows {
		metrics := r.Metrics
		if metrics == "" {
			metrics = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Service, r.Instance, r.Address, r.Health, r.Version,
			r.PID, r.Host, now.Sub(r.StartedAt).Round(time.Second), metrics)
		if total[r.Service] == 0 {
			services = append(services, r.Service)
		}
		total[r.Service]++
		if r.Health == "SERVING" {
			serving[r.Service]++
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var summary []string
	for _, s := range services {
		summary = append(summary, fmt.Sprintf("%s %d/%d", s, serving[s], total[s]))
	}
	_, err := fmt.Fprintln(out, "serving: "+strings.Join(summary, ", "))
	return err
}

func health(addr string, creds grpc.DialOption, timeout time.Duration) string {
	conn, err := grpc.NewClient(addr, creds)
	if err != nil {
		return "UNREACHABLE"
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return "UNREACHABLE"
	}
	return resp.GetStatus().String()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
