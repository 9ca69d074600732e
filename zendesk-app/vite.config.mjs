import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('./src', import.meta.url));

// The sidebar page and its script land in dist/assets, where manifest.json's location URL points.
export default defineConfig({
  root: src,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/assets', import.meta.url)),
    emptyOutDir: false,
    assetsDir: '.',
    rollupOptions: { input: `${src}/iframe.html` },
  },
  logLevel: 'warn',
});
