// Command gen writes the JSON schemas that `make deploy-check` validates the rendered
// Kubernetes manifests against (kubeconform, offline), from the OpenAPI document of a
// Kubernetes release (api/openapi-spec/swagger.json of the k8s.io/kubernetes module,
// fetched through the Go module proxy by refresh.sh).
//
// It writes _definitions.json — the definitions the chosen kinds need, made strict as
// kubectl validates: no property a schema does not name (additionalProperties: false),
// int-or-string as either — and one small file per kind, named as kubeconform looks it
// up (deployment-apps-v1.json), that refers into it. A kind that is not listed has no
// schema, and kubeconform then rejects a manifest of that kind.
//
//	go run deploy/k8s/schemas/gen/main.go -openapi swagger.json -out deploy/k8s/schemas v1/ConfigMap apps/v1/Deployment …
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	in := flag.String("openapi", "", "swagger.json of a Kubernetes release")
	out := flag.String("out", ".", "folder to write the schemas to")
	flag.Parse()
	if err := run(*in, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type gvk struct{ Group, Version, Kind string }

func run(in, out string, kinds []string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	// The definition of each group/version/kind.
	byGVK := map[gvk]string{}
	for name, def := range doc.Definitions {
		list, _ := def["x-kubernetes-group-version-kind"].([]any)
		for _, item := range list {
			m, _ := item.(map[string]any)
			g, _ := m["group"].(string)
			v, _ := m["version"].(string)
			k, _ := m["kind"].(string)
			byGVK[gvk{g, v, k}] = name
		}
	}
	keep := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		if keep[name] {
			return
		}
		def, ok := doc.Definitions[name]
		if !ok {
			return
		}
		keep[name] = true
		for _, ref := range refs(def) {
			walk(ref)
		}
	}
	written := map[string]string{}
	for _, spec := range kinds {
		apiVersion, kind, ok := cut(spec)
		if !ok {
			return fmt.Errorf("kind %q: want apiVersion/Kind, e.g. apps/v1/Deployment or v1/Service", spec)
		}
		group, version := "", apiVersion
		if g, v, ok := strings.Cut(apiVersion, "/"); ok {
			group, version = g, v
		}
		name, ok := byGVK[gvk{group, version, kind}]
		if !ok {
			return fmt.Errorf("%s: not in %s", spec, in)
		}
		walk(name)
		written[fileName(kind, apiVersion)] = name
	}
	defs := map[string]any{}
	for name := range keep {
		defs[name] = strict(doc.Definitions[name])
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := write(filepath.Join(out, "_definitions.json"), map[string]any{"definitions": defs}); err != nil {
		return err
	}
	files := make([]string, 0, len(written))
	for f := range written {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		if err := write(filepath.Join(out, f), map[string]any{"$ref": "_definitions.json#/definitions/" + written[f]}); err != nil {
			return err
		}
	}
	fmt.Printf("gen: %d kinds, %d definitions\n", len(files), len(defs))
	return nil
}

// cut splits "apps/v1/Deployment" into "apps/v1" and "Deployment".
func cut(spec string) (apiVersion, kind string, ok bool) {
	i := strings.LastIndex(spec, "/")
	if i <= 0 || i == len(spec)-1 {
		return "", "", false
	}
	return spec[:i], spec[i+1:], true
}

// fileName is where kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}.json looks:
// the kind in lower case, the first label of the group, the version.
func fileName(kind, apiVersion string) string {
	parts := strings.Split(apiVersion, "/")
	suffix := "-" + strings.ToLower(strings.Split(parts[0], ".")[0])
	if len(parts) > 1 {
		suffix += "-" + strings.ToLower(parts[1])
	}
	return strings.ToLower(kind) + suffix + ".json"
}

// refs lists the definitions a schema refers to.
func refs(v any) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && k == "$ref" {
				out = append(out, strings.TrimPrefix(s, "#/definitions/"))
				continue
			}
			out = append(out, refs(x)...)
		}
	case []any:
		for _, x := range t {
			out = append(out, refs(x)...)
		}
	}
	return out
}

// strict makes a schema refuse what kubectl's validation refuses: properties a schema
// does not name; int-or-string becomes either.
func strict(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if t["format"] == "int-or-string" {
			return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
		}
		out := make(map[string]any, len(t)+1)
		for k, x := range t {
			if k == "properties" {
				props := map[string]any{}
				for name, p := range x.(map[string]any) {
					props[name] = strict(p)
				}
				out[k] = props
				continue
			}
			out[k] = strict(x)
		}
		if _, ok := t["properties"]; ok {
			if _, set := t["additionalProperties"]; !set {
				out["additionalProperties"] = false
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = strict(x)
		}
		return out
	}
	return v
}

func write(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}
