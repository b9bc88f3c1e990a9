import { z } from 'zod';
import { lazySchema } from './lazy-schema.ts';

/** Server-side statuses. `pending` and `failed` exist only on devices. */
export const messageStatusSchema = lazySchema(() => z.enum(['sent', 'delivered', 'read']));
export type MessageStatus = z.infer<typeof messageStatusSchema>;
export type LocalStatus = 'pending' | 'failed' | MessageStatus;

const RANK: Record<LocalStatus, number> = { failed: 0, pending: 0, sent: 1, delivered: 2, read: 3 };

export const statusRank = (s: LocalStatus): number => RANK[s];

/** Statuses only move forward: the later of two statuses wins, whatever order they arrive in. */
export function maxStatus<S extends LocalStatus>(a: S, b: S): S {
  return RANK[b] > RANK[a] ? b : a;
}
