package server

import (
	"strings"
	"testing"
	"time"
)

func TestRequestIDRetentionIsValidated(t *testing.T) {
	cfg := serviceConfig(t)
	cfg.RequestIDRetention = 30 * time.Minute
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "request-id-retention") {
		t.Fatalf("30m retention: err = %v, want a request-id-retention error", err)
	}
	for _, ok := range []time.Duration{0, time.Hour, 168 * time.Hour} {
		cfg.RequestIDRetention = ok
		if err := cfg.Validate(); err != nil {
			t.Fatalf("retention %s: %v", ok, err)
		}
	}
}
