// Package config loads a typed configuration struct from command-line flags and
// environment variables, with defaults, and describes it for the start-up log with
// secrets masked.
//
// Each exported field of the struct (and of embedded or nested structs) is bound by
// tags:
//
//	GRPCAddr string `flag:"grpc-addr" env:"GRPC_ADDR" default:":9101" usage:"address to listen on"`
//	DBURL    string `flag:"db-url" env:"DB_URL" secret:"true"`
//
// A flag given on the command line wins over the environment variable (prefixed by
// the prefix passed to Load, e.g. RMSUITE_GRPC_ADDR), which wins over the default. A
// field without a default tag takes the value preset in the struct as its default,
// so that shared config structs can have per-service defaults.
// Supported kinds: string, bool, int, int64, time.Duration and []string (comma
// separated). After loading, a struct that has a `Validate() error` method is
// validated.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Validator is implemented by configuration structs that check themselves.
type Validator interface {
	Validate() error
}

// Field is one loaded setting, for printing.
type Field struct {
	Flag   string
	Value  string // masked when secret
	Secret bool
}

type binding struct {
	flag, env, def, usage string
	secret                bool
	value                 reflect.Value
}

// Load fills cfg (a pointer to a struct) from args (without the program name), the
// environment (variables named prefix+env tag) and the defaults, then validates it.
// A bad value names the flag and the environment variable it came from.
func Load(cfg any, name string, args []string, prefix string) error {
	return load(cfg, name, args, prefix, os.LookupEnv)
}

func load(cfg any, name string, args []string, prefix string, lookup func(string) (string, bool)) error {
	bindings, err := collect(cfg)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	given := make(map[string]*rawFlag, len(bindings))
	for _, b := range bindings {
		// A bool flag may be given alone ("--seed-demo-data"), meaning true, as with
		// the standard flag package; every value is parsed below.
		f := &rawFlag{isBool: b.value.Kind() == reflect.Bool}
		fs.Var(f, b.flag, b.usage)
		given[b.flag] = f
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w\n%s", err, Usage(cfg, prefix))
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	for _, b := range bindings {
		raw, source := b.def, "default"
		if v, ok := lookup(prefix + b.env); ok && b.env != "" {
			raw, source = v, "environment variable "+prefix+b.env
		}
		if set[b.flag] {
			raw, source = given[b.flag].value, "flag --"+b.flag
		}
		if err := assign(b.value, raw); err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
	}
	if v, ok := cfg.(Validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("invalid configuration: %w", err)
		}
	}
	return nil
}

// rawFlag keeps a flag's text as given; bool flags may be given without a value.
type rawFlag struct {
	value  string
	isBool bool
}

func (f *rawFlag) String() string {
	if f == nil {
		return ""
	}
	return f.value
}
func (f *rawFlag) Set(v string) error { f.value = v; return nil }
func (f *rawFlag) IsBoolFlag() bool   { return f.isBool }

// Usage describes every setting: flag, environment variable, default and meaning.
func Usage(cfg any, prefix string) string {
	bindings, err := collect(cfg)
	if err != nil {
		return err.Error()
	}
	var sb strings.Builder
	for _, b := range bindings {
		fmt.Fprintf(&sb, "  --%s (env %s%s, default %q)\n      %s\n", b.flag, prefix, b.env, b.def, b.usage)
	}
	return sb.String()
}

// Describe lists the loaded settings with secrets masked: fields tagged secret show
// "***" and URLs have their password replaced.
func Describe(cfg any) []Field {
	bindings, err := collect(cfg)
	if err != nil {
		return nil
	}
	out := make([]Field, 0, len(bindings))
	for _, b := range bindings {
		out = append(out, Field{Flag: b.flag, Value: mask(format(b.value), b.secret), Secret: b.secret})
	}
	return out
}

func mask(v string, secret bool) string {
	if secret {
		if v == "" {
			return ""
		}
		return "***"
	}
	return maskURL(v)
}

// maskURL hides the password of a URL, in its user info and in a "password" query
// parameter (which the PostgreSQL driver accepts). A password with an unescaped
// #, / or ? does not parse as user info (the URL fails to parse, or the password
// ends up in the fragment, path or query); the value is then masked by hand from the
// first ':' of the user info to the last '@', hiding too much rather than too little.
func maskURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return maskQueryByHand(maskUserinfoByHand(v))
	}
	if u.User == nil && u.Port() != "" {
		if i := strings.Index(v, "//"); i >= 0 && strings.Contains(v[i+2:], "@") {
			// "postgres://rm:123#abc@db/x" parses as host rm, port 123.
			return maskQueryByHand(maskUserinfoByHand(v))
		}
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			changed = true
		}
	}
	if q, ok := maskQuery(u.RawQuery); ok {
		u.RawQuery, changed = q, true
	}
	if changed {
		return u.String()
	}
	return v
}

func maskUserinfoByHand(v string) string {
	i := strings.Index(v, "//")
	if i < 0 {
		return v
	}
	head, rest := v[:i+2], v[i+2:]
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return v
	}
	colon := strings.Index(rest[:at], ":")
	if colon < 0 {
		return v
	}
	return head + rest[:colon+1] + "xxxxx" + rest[at:]
}

func maskQueryByHand(v string) string {
	i := strings.Index(v, "?")
	if i < 0 {
		return v
	}
	if q, ok := maskQuery(v[i+1:]); ok {
		return v[:i+1] + q
	}
	return v
}

// maskQuery replaces the value of password parameters in a raw query, keeping the
// rest as written.
func maskQuery(raw string) (string, bool) {
	if raw == "" {
		return raw, false
	}
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if strings.EqualFold(k, "password") {
			parts[i] = k + "=xxxxx"
			changed = true
		}
	}
	return strings.Join(parts, "&"), changed
}

func collect(cfg any) ([]binding, error) {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, errors.New("config: Load needs a pointer to a struct")
	}
	var out []binding
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			name, ok := f.Tag.Lookup("flag")
			if !ok {
				if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
					walk(fv)
				}
				continue
			}
			def, hasDefault := f.Tag.Lookup("default")
			if !hasDefault {
				def = format(fv) // the value preset in the struct is the default
			}
			out = append(out, binding{
				flag:   name,
				env:    f.Tag.Get("env"),
				def:    def,
				usage:  f.Tag.Get("usage"),
				secret: f.Tag.Get("secret") == "true",
				value:  fv,
			})
		}
	}
	walk(v.Elem())
	return out, nil
}

func assign(v reflect.Value, raw string) error {
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		if raw == "" {
			v.SetInt(0)
			return nil
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration (use e.g. 500ms, 10s, 2m)", raw)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(raw)
	case v.Kind() == reflect.Bool:
		if raw == "" {
			v.SetBool(false)
			return nil
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		if raw == "" {
			v.SetInt(0)
			return nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		v.SetInt(n)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("config: unsupported field type %s", v.Type())
	}
	return nil
}

func format(v reflect.Value) string {
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		return time.Duration(v.Int()).String()
	case v.Kind() == reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = v.Index(i).String()
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(v.Interface())
	}
}
