// Command compensation serves the compensation (薪酬): pay components, payroll runs, payslips and bank export.
//
// Until its API lands it serves the standard health service and reflection only,
// registered in etcd like every other service, so that the suite's topology, start-up
// and shutdown are complete from day one.
package main

import "github.com/rmsuite/rmsuite/pkg/server"

func main() { server.MainHealthOnly("compensation", "127.0.0.1:9103") }
