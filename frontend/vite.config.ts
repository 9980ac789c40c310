import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  // dist/ keeps a tracked placeholder so `go build` works before any frontend build.
  build: { outDir: 'dist', emptyOutDir: false, chunkSizeWarningLimit: 2000 },
  server: { strictPort: false },
  test: { include: ['tests/unit/**/*.test.ts'], environment: 'node' },
});
