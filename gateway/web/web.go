// Package web is the rmsuite console: a TypeScript (Preact, Vite) front end whose
// sources are in src/ and whose built assets, dist/, are committed and embedded
// here, so that building the gateway never needs Node. `make web` rebuilds dist/
// from the sources; `make lint` checks that the committed build matches them.
//
// The gateway serves the console at /, the API explorer (Swagger UI over
// /openapi.json) at /explorer, and the hashed bundles under /assets/.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed dist
var dist embed.FS

// Patterns are the GET routes the console answers, for an http.ServeMux.
var Patterns = []string{"GET /{$}", "GET /explorer", "GET /assets/", "GET /favicon.svg"}

// pages maps a page's path to its HTML file in dist.
var pages = map[string]string{"/": "index.html", "/explorer": "explorer.html"}

// csp keeps the console to its own origin: scripts and styles come only from the
// gateway (Swagger UI sets inline style attributes, hence 'unsafe-inline' for
// styles), and calls go only to the gateway's API.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the embedded console.
func Handler() http.Handler {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed directive guarantees dist exists
	}
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if page, ok := pages[r.URL.Path]; ok {
			h.Set("Content-Security-Policy", csp)
			h.Set("Cache-Control", "no-cache") // always revalidate: it names the current bundles
			h.Set("Referrer-Policy", "same-origin")
			http.ServeFileFS(w, r, root, page)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		if strings.HasPrefix(r.URL.Path, "/assets/") && path.Ext(r.URL.Path) != "" {
			// Bundles are named by their content hash: they never change.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}
