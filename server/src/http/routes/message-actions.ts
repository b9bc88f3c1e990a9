import { Hono, type Context } from 'hono';
import {
  deleteMessageQuerySchema,
  editMessageBodySchema,
  hideMessageBodySchema,
  messageIdSchema,
  parseOrThrow,
  reactBodySchema,
  type MessageAction,
} from '@pigeon/sync-protocol';
import { z } from 'zod';
import type { AppEnv, HttpServices } from '../types.ts';
import { readJson, readQuery } from '../validate.ts';

const actionParamSchema = z.object({ id: messageIdSchema });

/**
 * Message actions over REST (contract v2), the same path as the socket's (ActionService):
 *
 *   PUT    /api/messages/:id/reaction  { clientId, emoji }   emoji '' removes the caller's reaction
 *   PATCH  /api/messages/:id           { clientId, body }    the sender, within 15 minutes
 *   DELETE /api/messages/:id?clientId=                       for everyone: the sender, within 48 hours
 *   POST   /api/messages/:id/hide      { clientId }          delete for me (extension)
 *
 * Each answers 200 `{ message }`: the message's state after it, as the caller sees it (a retry
 * with the same clientId answers the current state, applied once). The other members' sockets
 * hear `message-updated` (a hide: the caller's sockets only); REST has no "this socket", so all
 * of the caller's sockets hear it too.
 */
export function messageActionRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.put('/:id/reaction', async (c) => {
    const { clientId, emoji } = await readJson(c, reactBodySchema);
    return act(c, clientId, { kind: 'react', emoji });
  });

  routes.patch('/:id', async (c) => {
    const { clientId, body } = await readJson(c, editMessageBodySchema);
    return act(c, clientId, { kind: 'edit', body });
  });

  routes.delete('/:id', async (c) => {
    const { clientId } = readQuery(c, deleteMessageQuerySchema);
    return act(c, clientId, { kind: 'delete' });
  });

  routes.post('/:id/hide', async (c) => {
    const { clientId } = await readJson(c, hideMessageBodySchema);
    return act(c, clientId, { kind: 'hide' });
  });

  async function act(c: Context<AppEnv>, clientId: string, action: MessageAction) {
    const me = c.get('userId');
    const { id } = parseOrThrow(actionParamSchema, c.req.param());
    const result = await s.actions.act(me, id, clientId, action);
    s.actions.announce(me, result);
    return c.json({ message: result.message });
  }

  return routes;
}
