package logging

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"310101199001011234", "310*************34"},
		{"31010119900101123X", "310*************3X"},
		{"123456", "123*56"},
		{"12345", "*****"}, // too short to keep anything
		{"1", "*"},
		{"", ""},
		{"张三李四王五赵六", "张三李***赵六"}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := MaskIDNumber(tt.in); got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"+8613812345678", "+86*******5678"},
		{"12345678", "123*5678"},
		{"1234567", "*******"},
		{"123", "***"},
		{"", ""},
		{"一二三四五六七八", "一二三*五六七八"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskNeverKeepsTheMiddle(t *testing.T) {
	id := "310101199001011234"
	got := MaskIDNumber(id)
	if len(got) != len(id) || strings.Contains(got, "19900101") {
		t.Fatalf("MaskIDNumber(%q) = %q", id, got)
	}
	// Invalid UTF-8 bytes count as one character each (and come out as U+FFFD).
	if got, want := MaskPhone("\xff\xfe1234567"), "\uFFFD\uFFFD1**4567"; got != want {
		t.Fatalf("MaskPhone of invalid UTF-8 = %q, want %q", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := []Config{
		{LogFormat: "json", LogLevel: "info"},
		{LogFormat: "console", LogLevel: "debug"},
		{LogFormat: "json", LogLevel: "warn"},
		{LogFormat: "json", LogLevel: "error"},
	}
	for _, c := range valid {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	invalid := []struct {
		c    Config
		want string
	}{
		{Config{LogFormat: "text", LogLevel: "info"}, "log-format"},
		{Config{LogFormat: "", LogLevel: "info"}, "log-format"},
		{Config{LogFormat: "JSON", LogLevel: "info"}, "log-format"},
		{Config{LogFormat: "json", LogLevel: "verbose"}, "log-level"},
		{Config{LogFormat: "console", LogLevel: "trace"}, "log-level"},
	}
	for _, tt := range invalid {
		err := tt.c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want mention of %s", tt.c, err, tt.want)
		}
	}
}

func TestNew(t *testing.T) {
	for _, c := range []Config{{LogFormat: "json", LogLevel: "warn"}, {LogFormat: "console", LogLevel: "debug"}} {
		log, err := New(c, "roster")
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		want, _ := zapcore.ParseLevel(c.LogLevel)
		if !log.Core().Enabled(want) || log.Core().Enabled(want-1) {
			t.Errorf("%+v: level not applied", c)
		}
	}
	if _, err := New(Config{LogFormat: "json", LogLevel: "loud"}, "roster"); err == nil {
		t.Fatal("bad level accepted")
	}
}

func TestContextLogger(t *testing.T) {
	// Without a logger the context still yields a usable (no-op) logger.
	log := FromContext(context.Background())
	if log == nil {
		t.Fatal("nil logger")
	}
	log.Info("dropped", zap.String("k", "v"))
	log.With(zap.String("a", "b")).Error("dropped too")

	core, logs := observer.New(zapcore.InfoLevel)
	ctx := WithLogger(context.Background(), zap.New(core).With(zap.String("request_id", "r1")))
	FromContext(ctx).Info("hello")
	entries := logs.All()
	if len(entries) != 1 || entries[0].Message != "hello" || entries[0].ContextMap()["request_id"] != "r1" {
		t.Fatalf("entries = %+v", entries)
	}

	// A derived context keeps the logger.
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	FromContext(child).Info("again")
	if logs.Len() != 2 {
		t.Fatalf("derived context lost the logger")
	}
}
