// Bundles the JS/CSS islands into internal/web/static/dist, which the Go
// binary embeds. Run through `make web` (npm ci + this script, skipped when
// nothing changed). Prints each file's size and gzipped size.
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'internal', 'web', 'static', 'dist');
for (const f of readdirSync(out)) if (f !== 'README.txt') rmSync(join(out, f), { recursive: true });
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: ['console', 'map', 'citizen', 'citizenmap', 'field', 'sw', 'charts', 'bigscreen', 'inspverify'].map((n) => join(here, 'src', n + '.js')).concat(join(here, 'src', 'app.css')),
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019', 'chrome80', 'safari13'],
  loader: { '.png': 'dataurl', '.svg': 'dataurl' },
  legalComments: 'none',
  logLevel: 'warning',
});

const sizes = {};
for (const f of readdirSync(out).sort()) {
  if (f === 'README.txt') continue;
  const b = readFileSync(join(out, f));
  sizes[f] = { bytes: b.length, gzip: gzipSync(b, { level: 9 }).length };
}
const citizen = sizes['citizen.js'].gzip + sizes['app.css'].gzip;
console.log(Object.entries(sizes).map(([f, s]) => `${f.padEnd(12)} ${String(s.bytes).padStart(8)} B  ${String(s.gzip).padStart(7)} B gzipped`).join('\n'));
console.log(`citizen report page total (citizen.js + app.css), gzipped: ${citizen} B (budget 153600 B)`);
writeFileSync(join(here, '.sizes.json'), JSON.stringify(sizes, null, 2));
// Precompressed copies beside each file: the server sends them as they are
// (internal/web/static.go), so nothing is compressed per request.
for (const f of Object.keys(sizes)) {
  const b = readFileSync(join(out, f));
  writeFileSync(join(out, f + '.gz'), gzipSync(b, { level: 9 }));
  writeFileSync(join(out, f + '.br'), brotliCompressSync(b, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: b.length } }));
}
if (sizes['citizen.js'].gzip > 150 * 1024) {
  console.error('citizen.js is over the 150 KB gzipped budget');
  process.exit(1);
}
