// Builds the console into dist/, which is committed and embedded in the gateway
// (package web). Two pages: the console (index.html) and the API explorer
// (explorer.html, Swagger UI from the swagger-ui-dist package, bundled: no CDN).
import { defineConfig } from 'vite';

// `npm run dev` serves the sources with live reload against a running `make run`.
const gateway = process.env.RMSUITE_GATEWAY ?? 'http://localhost:8080';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Swagger UI is one large bundle, loaded only by /explorer.
    chunkSizeWarningLimit: 2000,
    rollupOptions: { input: { index: 'index.html', explorer: 'explorer.html' } },
  },
  server: {
    proxy: { '/v1': gateway, '/dev': gateway, '/openapi.json': gateway, '/healthz': gateway },
  },
});
