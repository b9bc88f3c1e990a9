/**
 * The harness's own REST client of the server (not a device: no proxy, no faults): registers the
 * accounts, and reads the server's view at the end with each account's token (history pages, the
 * groups, the change feeds). Access tokens live a few seconds in a run: an expired one is replaced
 * by a new login.
 */
import type { Message } from '@pigeon/sync-protocol';
import type { Account } from './actors.ts';

export class ServerRest {
  private readonly tokens = new Map<string, string>();

  /** `url()`: the cluster's current address (a node that is up). */
  constructor(private readonly url: () => string) {}

  request(method: string, path: string, body?: unknown, token?: string): Promise<Response> {
    return fetch(`${this.url()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  }

  /** Registers `account` and keeps its token; its id is set. */
  async register(account: Account): Promise<void> {
    const res = await this.request('POST', '/api/auth/register', { username: account.username, password: account.password });
    const body = (await res.json()) as { token: string; user: { id: string } };
    if (res.status !== 201) throw new Error(`register ${account.username}: ${res.status} ${JSON.stringify(body)}`);
    account.id = body.user.id;
    this.tokens.set(account.id, body.token);
  }

  private async tokenFor(account: Account, fresh = false): Promise<string> {
    const cached = this.tokens.get(account.id);
    if (cached && !fresh) return cached;
    const res = await this.request('POST', '/api/auth/login', { username: account.username, password: account.password });
    const body = (await res.json()) as { token: string };
    this.tokens.set(account.id, body.token);
    return body.token;
  }

  /** GET with the account's token; a refused one (expired) is replaced by a new login. */
  async getAs(reader: Account, path: string): Promise<Response> {
    const res = await this.request('GET', path, undefined, await this.tokenFor(reader));
    return res.status === 401 ? this.request('GET', path, undefined, await this.tokenFor(reader, true)) : res;
  }

  /** POST with the account's token, no body (an upload's status query: attachment checks); a refused token is replaced. */
  async postAs(account: Account, path: string, headers: Record<string, string>): Promise<Response> {
    const send = async (token: string) =>
      fetch(`${this.url()}${path}`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    const res = await send(await this.tokenFor(account));
    return res.status === 401 ? send(await this.tokenFor(account, true)) : res;
  }

  /** The server's view of a conversation, all pages, oldest first, through the public REST API. */
  async conversation(conversationId: string, reader: Account): Promise<Message[]> {
    const pages: Message[][] = [];
    let before: string | null = null;
    do {
      const q = new URLSearchParams({ id: conversationId, limit: '200', ...(before ? { before } : {}) });
      const res = await this.getAs(reader, `/api/messages/conversation?${q}`);
      if (!res.ok) throw new Error(`history ${conversationId}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { messages: Message[]; nextCursor: string | null };
      pages.unshift(body.messages);
      before = body.nextCursor;
    } while (before);
    return pages.flat();
  }
}
