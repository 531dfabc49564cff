// Command assessment serves the assessment (考核): the indicator library,
// monthly templates, and the business figures other bank systems push. Run with
// -h for its settings.
package main

import (
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/services/assessment/internal/service"
)

func main() {
	cfg := service.DefaultConfig()
	server.Main(service.Name, &cfg, func(server.ServiceConfig) server.Service { return service.Descriptor() })
}
