// Command compensation serves the compensation (薪酬): the effective-dated
// pay configuration, pay inputs, payroll runs computed in the background and
// locked after a second person's approval, explainable payslips, and the bank
// transfer file and salary register. Run with -h for its settings.
package main

import (
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/services/compensation/internal/service"
)

func main() {
	cfg := service.DefaultConfig()
	server.Main(service.Name, &cfg, func(server.ServiceConfig) server.Service { return service.Descriptor() })
}
