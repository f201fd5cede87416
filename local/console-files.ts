// Serves the built web console beside the API, as CloudFront does in AWS: index.html at "/", hashed assets
// under /assets/ (cached for good), the same security headers, and nothing outside the build folder.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { CONSOLE_SECURITY_HEADERS } from '../console/security-headers.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export function consoleFiles(dir: string) {
  const root = resolve(dir);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const isIndex = path === '/' || path === '/index.html';
    if (!isIndex && !path.startsWith('/assets/')) return false;
    const file = resolve(root, isIndex ? 'index.html' : `.${decodeURIComponent(path)}`);
    if (!file.startsWith(root + sep)) return false;
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return false;
    }
    res.writeHead(200, {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(body.length),
      // Asset names carry their content hash; index.html must always be fetched afresh to find the new ones.
      'cache-control': isIndex ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
