// Package logging builds the suite's zap loggers and carries a request-scoped logger
// in the context. Messages are constant; data goes in fields; personal data is masked
// with the helpers below before it reaches a field.
package logging

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Config selects the log format and level.
type Config struct {
	LogFormat string `flag:"log-format" env:"LOG_FORMAT" default:"json" usage:"log format: json (production) or console (development)"`
	LogLevel  string `flag:"log-level" env:"LOG_LEVEL" default:"info" usage:"minimum log level: debug, info, warn, error"`
}

// Validate checks the format and level.
func (c Config) Validate() error {
	if c.LogFormat != "json" && c.LogFormat != "console" {
		return fmt.Errorf("log-format %q: use json or console", c.LogFormat)
	}
	if _, err := zapcore.ParseLevel(c.LogLevel); err != nil {
		return fmt.Errorf("log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// New builds a logger: JSON for production, coloured console output for development.
func New(c Config, service string) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(c.LogLevel)
	if err != nil {
		return nil, err
	}
	var zc zap.Config
	if c.LogFormat == "console" {
		zc = zap.NewDevelopmentConfig()
		zc.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
	} else {
		zc = zap.NewProductionConfig()
		zc.EncoderConfig.TimeKey = "time"
		zc.EncoderConfig.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	}
	zc.Level = zap.NewAtomicLevelAt(level)
	zc.DisableStacktrace = level > zapcore.DebugLevel
	log, err := zc.Build()
	if err != nil {
		return nil, err
	}
	return log.With(zap.String("service", service)), nil
}

type ctxKey struct{}

// WithLogger returns a context that carries log.
func WithLogger(ctx context.Context, log *zap.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, log)
}

// FromContext returns the logger carried by ctx, or a no-op logger.
func FromContext(ctx context.Context) *zap.Logger {
	if log, ok := ctx.Value(ctxKey{}).(*zap.Logger); ok {
		return log
	}
	return zap.NewNop()
}

// MaskIDNumber keeps the first 3 and last 2 characters of an identity-card number:
// "310101199001011234" → "310*************34".
func MaskIDNumber(s string) string { return maskMiddle(s, 3, 2) }

// MaskPhone keeps the first 3 and last 4 digits of a phone number:
// "13812345678" → "138****5678".
func MaskPhone(s string) string { return maskMiddle(s, 3, 4) }

func maskMiddle(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n <= head+tail {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}
