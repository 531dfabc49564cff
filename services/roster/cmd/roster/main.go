// Command roster serves the roster service (花名册): org units, managers, grades and
// portfolios. Run with -h for its settings.
package main

import (
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/services/roster/internal/service"
)

func main() {
	cfg := service.DefaultConfig()
	server.Main(service.Name, &cfg, func(cfg server.ServiceConfig) server.Service {
		return service.Descriptor(cfg.SeedDemo)
	})
}
