// Bundles src/main.ts into dist/app.js and copies the static page and styles.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: [join(here, 'src/main.ts')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  // WebKitGTK (Linux), WebView2 (Windows) and WKWebView (macOS) all run ES2020.
  target: ['es2020'],
  minify: process.env.NODE_ENV === 'production',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) {
  copyFileSync(join(here, 'static', file), join(dist, file));
}
console.log('built dist/index.html, dist/app.js, dist/app.css');
