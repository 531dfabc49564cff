package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles"
)

// instances lists what is registered in etcd and asks each instance for its health.
func instances(args []string) error {
	fs := flag.NewFlagSet("instances", flag.ContinueOnError)
	endpoints := fs.String("etcd-endpoints", envOr("RMSUITE_ETCD_ENDPOINTS", "127.0.0.1:2379"), "etcd client endpoints, comma separated")
	service := fs.String("service", "", "only this service (roster, assessment, compensation, visits)")
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
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tINSTANCE\tADDRESS\tHEALTH\tVERSION\tPID\tHOST\tSTARTED")
	for _, in := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", in.Meta.Service, in.Meta.Instance, in.Addr,
			health(ctx, in.Addr, creds), in.Meta.Version, in.Meta.PID, in.Meta.Host, in.Meta.StartedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func health(ctx context.Context, addr string, creds grpc.DialOption) string {
	conn, err := grpc.NewClient(addr, creds)
	if err != nil {
		return "UNREACHABLE"
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
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
