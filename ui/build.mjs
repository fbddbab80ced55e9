// Bundles src/main.ts into dist/app.js (the main window) and src/callbox.ts into
// dist/callbox.js (the callbox window), and copies the static pages and styles.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: { app: join(here, 'src/main.ts'), callbox: join(here, 'src/callbox.ts') },
  outdir: dist,
  bundle: true,
  format: 'esm',
  // WebKitGTK (Linux), WebView2 (Windows) and WKWebView (macOS) all run ES2020.
  target: ['es2020'],
  minify: process.env.NODE_ENV === 'production',
  logLevel: 'warning',
});
for (const file of ['index.html', 'callbox.html', 'app.css']) {
  copyFileSync(join(here, 'static', file), join(dist, file));
}
console.log('built dist/index.html, dist/app.js, dist/callbox.html, dist/callbox.js, dist/app.css');
