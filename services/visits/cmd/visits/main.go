// Command visits serves the visit scheduling (拜访): the monthly 135 cycle, plans, routes, visit records, customer requests.
//
// Until its API lands it serves the standard health service and reflection only,
// registered in etcd like every other service, so that the suite's topology, start-up
// and shutdown are complete from day one.
package main

import "github.com/rmsuite/rmsuite/pkg/server"

func main() { server.MainHealthOnly("visits", "127.0.0.1:9104") }
