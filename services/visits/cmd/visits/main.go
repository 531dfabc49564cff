// Command visits serves visit scheduling (拜访): the monthly 135 cycle — frequency
// rules, plan generation, review, supervisor tasks and visit records. Run with -h
// for its settings.
package main

import (
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/services/visits/internal/service"
)

func main() {
	cfg := service.DefaultConfig()
	server.Main(service.Name, &cfg, func(server.ServiceConfig) server.Service { return service.Descriptor() })
}
