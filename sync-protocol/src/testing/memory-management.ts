/**
 * The in-memory server's management requests, with the real server's answers (docs/api.md):
 * GET /api/sessions, DELETE /api/sessions/:id (the session ends and its connections are closed),
 * POST and DELETE /api/users/:id/block (idempotent; blocking also tells the blocked user the
 * blocker went offline and stopped typing), GET /api/users/blocked, and the profiles by id
 * (`GET /api/users?ids=`, an extension: presence hidden between users blocked either way; the
 * real server also hides it from users who share no conversation).
 */
import { directConversationId } from '../conversation-id.ts';
import { userIdSchema, type User } from '../model/user.ts';
import { sessionIdParamSchema } from '../rest/auth.ts';
import { userLookupQuerySchema } from '../rest/users.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';
import type { MemoryBlocks } from './memory-blocks.ts';
import type { MemoryRealtime } from './memory-realtime.ts';
import type { Caller, MemorySessions } from './memory-sessions.ts';
import type { ServerOp } from './memory-types.ts';

const MANAGEMENT_OPS = ['sessions', 'revokeSession', 'block', 'unblock', 'blocked', 'users'] as const;
export type ManagementOp = (typeof MANAGEMENT_OPS)[number];

export const isManagementOp = (op: ServerOp): op is ManagementOp => (MANAGEMENT_OPS as readonly string[]).includes(op);

export interface ManagementDeps {
  sessions: MemorySessions;
  /** Revokes a session and closes its connections. */
  endSession(sessionId: string): void;
  blocks: MemoryBlocks;
  realtime: MemoryRealtime;
  hasUser(userId: string): boolean;
  /** A user's public profile, with presence. */
  publicUser(userId: string): User;
}

export function handleManagement(op: ManagementOp, caller: Caller, input: unknown, deps: ManagementDeps): unknown {
  const me = caller.userId;
  switch (op) {
    case 'sessions':
      return { sessions: deps.sessions.list(me, caller.sessionId) };
    case 'revokeSession': {
      const parsed = sessionIdParamSchema.safeParse(input);
      const live = parsed.success && deps.sessions.list(me, null).some((s) => s.id === parsed.data.id);
      // Someone else's session is "not found" too: whether it exists is not revealed.
      if (!parsed.success || !live) throw fail('NOT_FOUND', 'no such session');
      deps.endSession(parsed.data.id);
      return undefined;
    }
    case 'block': {
      const id = userId(input);
      if (id === me) throw fail('VALIDATION', 'id: cannot block yourself');
      if (!deps.hasUser(id)) throw fail('NOT_FOUND', 'id: no such user');
      deps.blocks.block(me, id);
      deps.realtime.emit([id], 'user-offline', { userId: me });
      deps.realtime.emit([id], 'typing-stopped', { from: me, conversationId: directConversationId(me, id) });
      return undefined;
    }
    case 'unblock':
      deps.blocks.unblock(me, userId(input));
      return undefined;
    case 'blocked':
      return { users: deps.blocks.blockedBy(me).map((id) => ({ ...deps.publicUser(id), online: false, lastSeen: null })) };
    case 'users': {
      const { ids } = parseOrThrow(userLookupQuerySchema, input);
      const found = ids.filter((id) => deps.hasUser(id)).map((id) => deps.publicUser(id));
      return { users: found.map((u) => (deps.blocks.between(me, u.id) ? { ...u, online: false, lastSeen: null } : u)) };
    }
  }
}

function userId(input: unknown): string {
  const parsed = userIdSchema.safeParse((input as { id?: unknown } | null)?.id);
  if (!parsed.success) throw fail('VALIDATION', 'id: invalid user id');
  return parsed.data;
}
