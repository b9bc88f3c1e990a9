import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { clientAddress } from '../limits/client-address.ts';

/** The rate-limit key of a request's client (see limits/client-address.ts for the X-Forwarded-For rule). */
export function requestAddress(c: Context, trustProxy: boolean): string {
  let remote: string | undefined;
  try {
    remote = getConnInfo(c).remote.address;
  } catch {
    // No Node socket behind the request (app.request() in unit tests): no address to key on.
  }
  return clientAddress(remote, c.req.header('x-forwarded-for'), trustProxy);
}
