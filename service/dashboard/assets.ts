import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, relative, sep } from 'node:path';

/**
 * The dashboards' scripts, styles and icons, read once at start and served from memory under
 * /dashboard/assets/. Everything comes from this repository (service/dashboard/static) or from an
 * installed npm package (uPlot's browser build and stylesheet, straight from node_modules, not
 * copied): nothing is fetched from the internet, at install or at run time.
 *
 * Only the files listed here exist: a request for any other path is a 404, so no path from a URL
 * ever reaches the file system.
 */

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  /** Strong validator: a hash of the body. */
  readonly etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const require = createRequire(import.meta.url);

/** Files of installed packages the pages load, by the name they are served under. */
export const VENDOR_FILES: Readonly<Record<string, string>> = {
  'vendor/uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'vendor/uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

function asset(path: string): Asset {
  const contentType = CONTENT_TYPES[extname(path)];
  if (contentType === undefined) throw new Error(`dashboard asset ${path}: no content type for "${extname(path)}" files`);
  const body = readFileSync(path);
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every asset by its path under /dashboard/assets/ (forward slashes). */
export function loadAssets(staticDir: string): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of filesUnder(staticDir)) {
    const name = relative(staticDir, file).split(sep).join('/');
    if (CONTENT_TYPES[extname(name)] !== undefined) assets.set(name, asset(file));
  }
  for (const [name, specifier] of Object.entries(VENDOR_FILES)) assets.set(name, asset(require.resolve(specifier)));
  return assets;
}
