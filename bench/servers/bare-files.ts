/**
 * Baseline of the attachments figure: a bare Node HTTP server that does with a file's bytes only
 * what any upload server must — stream a request body into a file, stream a file back — with no
 * auth, no validation, no hashing, no sniffing and no database. Same machine, same run.
 *
 *   POST /files/<name>   body → DATA_DIR/<name> (createWriteStream, pipeline)   → 201 { size }
 *   GET  /files/<name>   the file (createReadStream, Content-Length)            → 200 bytes
 *
 * Run as a child of the bench (IPC): emits `ready` { url, port }.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { emitToParent, serveRpc } from '../lib/procs.ts';

const dir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'pigeon-bench-bare-files-'));
const SAFE = /^\/files\/([A-Za-z0-9_.-]{1,100})$/;

const http = createServer((req, res) => {
  const m = SAFE.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  const path = join(dir, m[1]!);
  if (req.method === 'POST') {
    pipeline(req, createWriteStream(path)).then(
      () => {
        const body = JSON.stringify({ size: statSync(path).size });
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      () => res.destroy(),
    );
    return;
  }
  if (req.method === 'GET') {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    pipeline(createReadStream(path), res).catch(() => res.destroy());
    return;
  }
  res.writeHead(405).end();
});

http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  serveRpc({}, () => {
    rmSync(dir, { recursive: true, force: true });
    return new Promise<void>((resolve) => http.close(() => resolve()));
  });
  emitToParent('ready', { url: `http://127.0.0.1:${port}`, port });
});
