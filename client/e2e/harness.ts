/**
 * End-to-end harness: the built PWA served by the real server (temp SQLite DATA_DIR,
 * ephemeral port) and Debian's Chromium driven by playwright-core. Never downloads a browser.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import { assertNoCspViolations, recordCspViolations, type CspViolation } from './csp-guard.ts';
import { BROWSER_TEST_SERVER_OPTIONS } from '../../tests/setup/test-server-options.ts';
import type { StartServerOptions } from '../../server/src/index.ts';

export const CLIENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT_DIR = join(CLIENT_DIR, '..');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const BUILD_TIMEOUT_MS = 240_000;

/**
 * Waits for the client build that the e2e project's global setup (global-setup.ts) started
 * when client/dist was missing or PIGEON_E2E_BUILD=1; throws with its output if it failed.
 */
export async function waitForClientBuild(): Promise<void> {
  const build = inject('clientBuild');
  if (build === undefined) throw new Error('client/e2e needs the global setup of the vitest project "e2e" (vitest.config.ts)');
  if (build === null) return;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (!existsSync(build.resultFile)) {
    if (Date.now() > deadline) throw new Error(`the client build did not end within ${BUILD_TIMEOUT_MS} ms; output: ${build.logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const result = JSON.parse(readFileSync(build.resultFile, 'utf8')) as { code: number | null; signal: string | null; error?: string };
  if (result.code !== 0) {
    const output = readFileSync(build.logFile, 'utf8').slice(-4000);
    throw new Error(`npm run build -w client failed (${result.error ?? result.signal ?? `exit ${result.code}`}):\n${output}`);
  }
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** The real server (server/src/index.ts) on 127.0.0.1 with an ephemeral port and a temp data dir; `options` override the suite's (e.g. attachmentMaxBytes). */
export async function startTestServer(options: StartServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-'));
  const { startServer } = await import('../../server/src/index.ts');
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', sendRateLimit: 0, ...BROWSER_TEST_SERVER_OPTIONS, ...options });
  return {
    url: server.url,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/**
 * Offline switch for one browser context. `context.setOffline` cuts HTTP but leaves open
 * WebSockets alive (playwright#4910), so the socket.io WebSockets are routed through
 * Playwright and closed/refused while "offline", as a real network loss would.
 */
export class NetworkSwitch {
  private offline = false;
  /** Each open page-side socket with its server side: going offline closes both (see setOffline). */
  private readonly sockets = new Map<WebSocketRoute, { close(): Promise<void> }>();

  private constructor(private readonly context: BrowserContext) {}

  static async attach(context: BrowserContext): Promise<NetworkSwitch> {
    const net = new NetworkSwitch(context);
    await context.routeWebSocket(/\/socket\.io\//, (ws) => net.route(ws));
    return net;
  }

  /**
   * Every server side not seen closed yet, whatever became of its page side: one whose page side
   * closed earlier (a reconnect) is dropped from `sockets`, and if the forwarded close did not take
   * it keeps the user online on the server until Socket.io's ping timeout.
   */
  private readonly serverSides = new Set<{ close(): Promise<void> }>();

  private route(ws: WebSocketRoute) {
    if (this.offline) {
      void ws.close({ code: 4000, reason: 'offline' });
      return;
    }
    const server = ws.connectToServer();
    this.sockets.set(ws, server);
    this.serverSides.add(server);
    ws.onClose(() => {
      this.sockets.delete(ws);
      void server.close();
    });
    server.onClose(() => {
      this.sockets.delete(ws);
      this.serverSides.delete(server);
      void ws.close();
    });
  }

  get isOffline(): boolean {
    return this.offline;
  }

  async setOffline(offline: boolean): Promise<void> {
    this.offline = offline;
    if (!offline) return this.context.setOffline(false);
    // The sockets are closed BEFORE the network goes: once the context is offline, a close frame may
    // never reach the server, which then keeps the user online until Socket.io's ping timeout (45 s).
    await this.closeAll();
    await this.context.setOffline(true);
  }

  private async closeAll(): Promise<void> {
    const open = [...this.sockets];
    this.sockets.clear();
    // Both sides, explicitly: closing the page side from the route does not always run the onClose
    // forwarding above, and a server side left open is only noticed at Socket.io's ping timeout
    // (25 + 20 s), past the tests' waits (chat-header-offline failed so: Bo never announced offline).
    await Promise.all(open.map(([ws, server]) => Promise.all([ws.close({ code: 4000, reason: 'offline' }).catch(() => {}), server.close().catch(() => {})])));
    const lingering = [...this.serverSides];
    this.serverSides.clear();
    await Promise.all(lingering.map((server) => server.close().catch(() => {})));
  }
}

export interface Device {
  context: BrowserContext;
  page: Page;
  net: NetworkSwitch;
}

export async function openDevice(
  browser: Browser,
  baseURL: string,
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark'; serviceWorkers?: 'allow' | 'block'; userAgent?: string } = {},
  cspViolations: CspViolation[] = [],
): Promise<Device> {
  const context = await browser.newContext({
    baseURL,
    viewport: options.viewport ?? DESKTOP,
    colorScheme: options.colorScheme ?? 'light',
    locale: 'en-GB',
    timezoneId: 'UTC',
    serviceWorkers: options.serviceWorkers ?? 'allow',
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
  const net = await NetworkSwitch.attach(context);
  await recordCspViolations(context, cspViolations);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.warn(`[pageerror] ${error.message}`));
  await page.goto('/');
  return { context, page, net };
}

/**
 * The suite's world: the built client, the real server, one Chromium, and devices
 * (browser contexts) that are all closed after the suite. Every test also fails on any
 * Content-Security-Policy violation in any of its pages (csp-guard.ts).
 */
export function useBrowserCluster(serverOptions: StartServerOptions = {}) {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const devices: Device[] = [];
  const cspViolations: CspViolation[] = [];
  afterEach(() => assertNoCspViolations(cspViolations));
  beforeAll(async () => {
    await waitForClientBuild();
    server = await startTestServer(serverOptions);
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const d of devices) await d.context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });
  const started = () => {
    if (!server || !browser) throw new Error('useBrowserCluster: not started yet (use it inside a test)');
    return { server, browser };
  };
  return {
    get server(): TestServer {
      return started().server;
    },
    /** What the CSP guard recorded so far in this test (checked and emptied after each test). */
    cspViolations,
    async device(options: Parameters<typeof openDevice>[2] = {}): Promise<Device> {
      const { server, browser } = started();
      const d = await openDevice(browser, server.url, options, cspViolations);
      devices.push(d);
      return d;
    },
  };
}

export const PASSWORD = 'correct-horse-battery';

/** What register and login answer. */
export type ApiAuth = { token: string; user: { id: string } };

/** POSTs JSON to the test server's API (seeding data behind the page's back); any non-2xx fails the test. */
export async function apiPost<T>(server: TestServer, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Registers `name` (display name the same, PASSWORD) through the API, behind the page's back. */
export function registerUser(server: TestServer, name: string): Promise<ApiAuth> {
  return apiPost<ApiAuth>(server, '/api/auth/register', { username: name, password: PASSWORD, displayName: name });
}

/** The id of the 1:1 conversation of two users (sync-protocol's rule: the two ids in order). */
export function dmId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/** A username unique to this run (3–32 of [a-z0-9_.-]). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 32);
}

/** A 1:1 chat's row in the conversation list, by the peer's username. */
export const conversationRow = (page: Page, username: string) => page.locator(`[data-testid="conversation-item"][data-peer-username="${username}"]`);
/** The last-message (or draft) line of that row. */
export const conversationPreview = (page: Page, username: string) => conversationRow(page, username).getByTestId('conversation-preview');

export async function signIn(page: Page, username: string): Promise<void> {
  await page.getByTestId('auth-username').fill(username);
  await page.getByTestId('auth-password').fill(PASSWORD);
  await page.getByTestId('auth-submit').click();
  await page.getByTestId('me-name').waitFor();
}

export async function signUp(page: Page, username: string, displayName: string): Promise<void> {
  await page.getByTestId('auth-toggle').click();
  await page.getByTestId('auth-username').fill(username);
  await page.getByTestId('auth-display-name').fill(displayName);
  await page.getByTestId('auth-password').fill(PASSWORD);
  await page.getByTestId('auth-submit').click();
  await page.getByTestId('me-name').waitFor();
}

/** Finds a user through the people search and opens (or creates) the chat with them. */
export async function openChatWith(page: Page, username: string): Promise<void> {
  await page.getByTestId('people-search').fill(username);
  await page.locator(`[data-testid="person-result"][data-username="${username}"]`).click();
  await page.getByTestId('chat-pane').waitFor();
}

export async function sendMessage(page: Page, body: string): Promise<void> {
  const input = page.getByTestId('composer-input');
  await input.fill(body);
  await input.press('Enter');
}

/** Waits until the service worker is active, i.e. the app shell is precached. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state;
  });
}

/**
 * Where keyboard focus is: inside the open modal dialog or not. A dialog loaded on demand
 * (defineAsyncComponent) calls showModal() once mounted, which moves focus in.
 */
export const focusInDialog = (page: Page) => page.evaluate(() => document.activeElement?.closest('dialog[open]') !== null);

export function bubbles(page: Page) {
  return page.getByTestId('message-bubble');
}

export async function bubbleBodies(page: Page): Promise<string[]> {
  return page.getByTestId('message-body').allInnerTexts();
}

/**
 * The bodies of every loaded message, oldest first, though the list draws only the rows in view:
 * scrolls the list from its top to its bottom by half a view at a time and collects each bubble
 * once (by its key). Leaves the list at its bottom.
 */
export async function allBubbleBodies(page: Page): Promise<string[]> {
  return page.getByTestId('message-list').evaluate(async (list) => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const seen = new Map<string, string>();
    list.scrollTop = 0;
    for (let guard = 0; guard < 10_000; guard++) {
      await frame();
      for (const b of list.querySelectorAll<HTMLElement>('[data-testid="message-bubble"]')) {
        const key = b.dataset.key ?? '';
        if (!seen.has(key)) seen.set(key, b.querySelector<HTMLElement>('[data-testid="message-body"]')?.innerText ?? '');
      }
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) break;
      list.scrollTop += list.clientHeight / 2;
    }
    return [...seen.values()];
  });
}

/** Every row of the device's `stores`, read straight from IndexedDB in one read-only transaction (diagnostics). */
export async function localRows(page: Page, stores: readonly string[], dbName = 'pigeon'): Promise<Record<string, unknown[]>> {
  return page.evaluate(
    async ({ name, wanted }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      try {
        const tx = db.transaction(wanted, 'readonly');
        const all = await Promise.all(
          wanted.map(
            (store) =>
              new Promise<unknown[]>((resolve, reject) => {
                const req = tx.objectStore(store).getAll();
                req.onsuccess = () => resolve(req.result as unknown[]);
                req.onerror = () => reject(req.error);
              }),
          ),
        );
        return Object.fromEntries(wanted.map((store, i) => [store, all[i]!]));
      } finally {
        db.close();
      }
    },
    { name: dbName, wanted: [...stores] },
  );
}

/** Rows in the device's message/conversation/outbox stores (read straight from IndexedDB). */
export async function countLocalRows(page: Page, dbName = 'pigeon'): Promise<{ stores: string[]; rows: number }> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const count = (store: string) =>
      new Promise<number>((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).count();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const stores = [...db.objectStoreNames].filter((n) => ['messages', 'conversations', 'outbox'].includes(n));
    const counts = await Promise.all(stores.map(count));
    // The messages kept in blocks (schema v11: a page's messages of one chat in one record), by their keys' index.
    if (db.objectStoreNames.contains('messageBlocks'))
      counts.push(
        await new Promise<number>((resolve, reject) => {
          const req = db.transaction('messageBlocks').objectStore('messageBlocks').index('keys').count();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        }),
      );
    db.close();
    return { stores, rows: counts.reduce((a, b) => a + b, 0) };
  }, dbName);
}
