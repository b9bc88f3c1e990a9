/**
 * A push service on https://127.0.0.1 for the server suites, standing in for FCM/Mozilla/Apple:
 * it checks each request the way RFC 8030/8291/8292 say a push service and a browser would, and
 * records what a device would receive.
 *
 *  - TLS with a self-signed certificate made by `openssl` at start; the server trusts it through
 *    PUSH_CA_FILE and allows it through PUSH_ALLOWED_HOSTS=127.0.0.1:<port>.
 *  - VAPID (RFC 8292): `Authorization: vapid t=<jwt>, k=<key>`; the ES256 signature is verified
 *    with k, aud must be this origin, exp at most 24 h ahead, sub a mailto:/https: URL, k the
 *    server's public key (once the test tells it).
 *  - TTL, Urgency and Topic headers; `Content-Encoding: aes128gcm`.
 *  - The body is decrypted (RFC 8291, http_ece) with the subscription's private key and auth
 *    secret, which only this stub (the "browser") holds, and parsed as the payload JSON.
 *
 * Each subscription's answers can be scripted (201 by default; 410, 429 with Retry-After, 500,
 * or 'hang': never answer). Anything wrong is recorded in `problems`, which a test expects empty.
 */
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { pushPayloadSchema, type PushPayload } from '@pigeon/sync-protocol';

const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string }): Buffer;
};

export type StubAnswer = { status: number; headers?: Record<string, string> } | 'hang';

export interface StubDelivery {
  payload: PushPayload;
  ttl: number;
  urgency: string;
  topic: string;
  at: number;
}

export interface StubSubscription {
  id: string;
  /** What the browser's PushSubscription.toJSON() would give (plus preview, set by the test). */
  json: { endpoint: string; keys: { p256dh: string; auth: string } };
}

export interface PushStub {
  /** https://127.0.0.1:<port> */
  origin: string;
  /** 127.0.0.1:<port>, for PUSH_ALLOWED_HOSTS. */
  hostPort: string;
  /** The self-signed certificate, for PUSH_CA_FILE. */
  caFile: string;
  /** The server's VAPID key: from now on every request must be signed with it. */
  expectVapidKey(publicKey: string): void;
  subscribe(): StubSubscription;
  /** Answers for the next requests to this subscription, in order; then 201. */
  script(id: string, answers: StubAnswer[]): void;
  /** Payloads accepted (201) for this subscription, in arrival order. */
  delivered(id: string): StubDelivery[];
  /** Every request to it, answered or not. */
  attempts(id: string): number;
  /** Every request to this stub. */
  readonly totalAttempts: number;
  /** Checks that failed; a test expects []. */
  readonly problems: string[];
  close(): Promise<void>;
}

const run = promisify(execFile);

export async function startPushStub(): Promise<PushStub> {
  const dir = await mkdtemp(join(tmpdir(), 'pigeon-push-stub-'));
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);

  const subs = new Map<string, { ecdh: ECDH; auth: string; answers: StubAnswer[]; delivered: StubDelivery[]; attempts: number }>();
  const problems: string[] = [];
  const hanging: ServerResponse[] = [];
  let vapidKey: string | null = null;
  let totalAttempts = 0;
  let origin = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    totalAttempts++;
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    const sub = id ? subs.get(id) : undefined;
    if (req.method !== 'POST' || !sub) {
      problems.push(`unexpected ${req.method} ${req.url}`);
      res.writeHead(404).end();
      return;
    }
    sub.attempts++;
    const problem = (p: string) => problems.push(`${id}: ${p}`);
    await checkVapid(String(req.headers.authorization ?? ''), problem);
    const ttl = Number(req.headers.ttl);
    if (!Number.isInteger(ttl) || ttl < 0) problem(`TTL header ${req.headers.ttl}`);
    const urgency = String(req.headers.urgency ?? '');
    if (!['very-low', 'low', 'normal', 'high'].includes(urgency)) problem(`Urgency header ${urgency}`);
    const topic = String(req.headers.topic ?? '');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(topic)) problem(`Topic header ${topic}`);
    if (req.headers['content-encoding'] !== 'aes128gcm') problem(`Content-Encoding ${req.headers['content-encoding']}`);
    let payload: PushPayload | null = null;
    try {
      const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth });
      const parsed = pushPayloadSchema.safeParse(JSON.parse(plain.toString('utf8')));
      if (parsed.success) payload = parsed.data;
      else problem(`payload not per pushPayloadSchema: ${parsed.error.message}`);
    } catch (err) {
      problem(`body does not decrypt: ${(err as Error).message}`);
    }
    const answer = sub.answers.shift() ?? { status: 201 };
    if (answer === 'hang') {
      hanging.push(res);
      return;
    }
    if (answer.status === 201 && payload) sub.delivered.push({ payload, ttl, urgency, topic, at: Date.now() });
    res.writeHead(answer.status, answer.headers ?? {}).end();
  }

  async function checkVapid(header: string, problem: (p: string) => void): Promise<void> {
    const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header);
    if (!m) return problem(`Authorization is not "vapid t=…, k=…": ${header.slice(0, 40)}`);
    const [, token, k] = m as unknown as [string, string, string];
    if (vapidKey !== null && k !== vapidKey) problem('k is not the server’s VAPID public key');
    const raw = Buffer.from(k, 'base64url');
    if (raw.length !== 65 || raw[0] !== 4) return problem('k is not an uncompressed P-256 key');
    try {
      if (decodeProtectedHeader(token).alg !== 'ES256') problem('JWT alg is not ES256');
      const key = await importJWK({ kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, 'ES256');
      const { payload } = await jwtVerify(token, key, { audience: origin, algorithms: ['ES256'] });
      if (typeof payload.exp !== 'number' || payload.exp > Date.now() / 1000 + 24 * 3600) problem(`JWT exp ${payload.exp} beyond 24 h`);
      if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) problem(`JWT sub ${payload.sub}`);
    } catch (err) {
      problem(`VAPID JWT does not verify: ${(err as Error).message}`);
    }
  }

  const server: Server = createServer({ key: await readFile(keyFile), cert: await readFile(caFile) }, (req, res) => {
    handle(req, res).catch((err) => {
      problems.push(`stub error: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  origin = `https://127.0.0.1:${port}`;

  return {
    origin,
    hostPort: `127.0.0.1:${port}`,
    caFile,
    expectVapidKey(publicKey) {
      vapidKey = publicKey;
    },
    subscribe() {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16).toString('base64url');
      subs.set(id, { ecdh, auth, answers: [], delivered: [], attempts: 0 });
      return { id, json: { endpoint: `${origin}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth } } };
    },
    script(id, answers) {
      subs.get(id)!.answers.push(...answers);
    },
    delivered: (id) => subs.get(id)?.delivered ?? [],
    attempts: (id) => subs.get(id)?.attempts ?? 0,
    get totalAttempts() {
      return totalAttempts;
    },
    problems,
    async close() {
      for (const res of hanging.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
