import { defineConfig } from 'vite';

/**
 * The console is plain Preact + TypeScript; Vite's own transformer compiles the JSX for Preact,
 * so no framework plugin is needed. Everything is bundled: the built app makes no request
 * outside its own origin (no CDN, web fonts or map tiles).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  // `npm run dev -w console` proxies the API of a `ysh api` on its standalone default port.
  server: { proxy: { '/v1': 'http://127.0.0.1:7080' } },
});
