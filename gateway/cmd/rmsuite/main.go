// Command rmsuite is the suite's operator tool.
//
//	rmsuite dev        run the whole suite on this machine (what `make run` does)
//	rmsuite instances  list the service instances registered in etcd, with health
//	rmsuite token      print a token for a seeded user of `make run`
package main

import (
	"fmt"
	"os"
)

const usage = `usage: rmsuite <command> [flags]

commands:
  dev        run the whole suite locally: embedded etcd, the four services, the gateway
  instances  list service instances registered in etcd, with their health and version
  token      print a bearer token for a seeded user of make run (--list shows them)

Run "rmsuite <command> -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "dev":
		err = dev(os.Args[2:])
	case "instances":
		err = instances(os.Args[2:])
	case "token":
		err = token(os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "rmsuite: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rmsuite %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
