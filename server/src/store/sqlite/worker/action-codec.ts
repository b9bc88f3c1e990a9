import type { ActionOutcome } from '../../store.ts';
import { fromWireError, toWireError, type WireError } from './rpc.ts';
import type { PigeonError } from '@pigeon/sync-protocol';

/**
 * Store.applyActions' outcomes as they cross from the store thread: structured clone keeps an
 * Error's message but not its class or code, so a refusal travels as a WireError and comes back
 * as the PigeonError it was (FORBIDDEN, CONFLICT… decide the HTTP status and the ack).
 */
export type PackedActionOutcome = Exclude<ActionOutcome, { refused: PigeonError }> | { refused: WireError };

export const packActionOutcomes = (outcomes: readonly ActionOutcome[]): PackedActionOutcome[] =>
  outcomes.map((o) => (o.refused ? { refused: toWireError(o.refused) } : o));

export const unpackActionOutcomes = (packed: readonly PackedActionOutcome[]): ActionOutcome[] =>
  packed.map((p): ActionOutcome => (p.refused ? { refused: fromWireError(p.refused) as PigeonError } : (p as ActionOutcome)));
