/**
 * Web Push for one node, built from the config: the VAPID identity, the endpoint rules, the
 * dispatcher (web-push does the RFC 8291 encryption and the RFC 8292 JWT) and the notifier that
 * feeds it. start-server.ts makes one and closes it before the store.
 */
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import webpush from 'web-push';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { checkPushEndpoint, parseAllowedHosts, type Checked } from './allowed-hosts.ts';
import { PushDispatcher, type PushSender } from './dispatcher.ts';
import { PushNotifier, type NotifierOptions } from './notifier.ts';
import { loadOrCreateVapidKeys, type VapidKeys } from './vapid-keys.ts';

export interface PushService {
  /** What `GET /api/push/config` answers: browsers subscribe with it (applicationServerKey). */
  readonly vapidPublicKey: string;
  /** The PUSH_ALLOWED_HOSTS check: at subscribe time (VALIDATION) and before each send. */
  checkEndpoint(endpoint: string): Checked<string>;
  readonly notifier: PushNotifier;
  readonly dispatcher: PushDispatcher;
  /** Stops taking messages, cuts requests in flight, cancels retries. */
  close(): Promise<void>;
}

export async function startPush(o: { config: ServerConfig; store: Store; log: Logger; groupOf: NotifierOptions['groupOf'] }): Promise<PushService> {
  const { config, store, log, groupOf } = o;
  const vapid = await loadOrCreateVapidKeys(config.dataDir, { publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey, subject: config.vapidSubject });
  const parsed = parseAllowedHosts(config.pushAllowedHosts);
  if (!parsed.ok) throw new Error(parsed.reason); // resolveConfig already refused it
  const rules = parsed.value;
  const checkEndpoint = (endpoint: string) => checkPushEndpoint(endpoint, rules);
  // Our own agent: PUSH_CA_FILE adds to the system's CAs (not replaces), and close() can cut its sockets.
  const ca = config.pushCaFile ? [...rootCertificates, await readFile(config.pushCaFile, 'utf8')] : undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: config.pushConcurrency, ...(ca ? { ca } : {}) });
  const dispatcher = new PushDispatcher({
    send: webPushSender(vapid, agent, config),
    dropEndpoint: (endpoint) => store.dropPushEndpoint(endpoint),
    checkEndpoint,
    queueMax: config.pushQueueMax,
    concurrency: config.pushConcurrency,
    retry: { maxAttempts: config.pushMaxAttempts, baseMs: config.pushRetryBaseMs, maxMs: config.pushRetryMaxMs },
    log,
  });
  const notifier = new PushNotifier({ store, groupOf, enqueue: (job) => dispatcher.enqueue(job), log, maxPending: config.pushQueueMax });
  return {
    vapidPublicKey: vapid.publicKey,
    checkEndpoint,
    notifier,
    dispatcher,
    async close() {
      await notifier.close();
      agent.destroy();
      await dispatcher.close();
    },
  };
}

function webPushSender(vapid: VapidKeys, agent: Agent, config: Pick<ServerConfig, 'pushTtlSeconds' | 'pushTimeoutMs'>): PushSender {
  return async (job, url) => {
    await webpush.sendNotification({ endpoint: url, keys: job.keys }, job.payload, {
      TTL: config.pushTtlSeconds,
      urgency: job.urgency,
      topic: job.topic,
      vapidDetails: vapid,
      agent,
      timeout: config.pushTimeoutMs,
      contentEncoding: 'aes128gcm',
    });
  };
}
