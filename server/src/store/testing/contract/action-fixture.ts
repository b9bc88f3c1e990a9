import type { ErrorCode, Message, MessageAction } from '@pigeon/sync-protocol';
import { expect } from 'vitest';
import type { ActionOutcome, ActionRequest, AppliedAction, UserRecord } from '../../store.ts';
import type { ContractFixture } from './fixture.ts';

/** Helpers of the message-action topics (actions*.ts, replies.ts), on top of the common fixture. */
export interface ActionFixture {
  /** An action request; `at` defaults to a second after the message's createdAt (inside every window). */
  areq(actor: UserRecord, message: Message, action: MessageAction, options?: { clientId?: string; at?: string }): ActionRequest;
  /** One action, alone in its batch. */
  act(actor: UserRecord, message: Message, action: MessageAction, options?: { clientId?: string; at?: string }): Promise<ActionOutcome>;
  /** One action that must be accepted (applied or not). */
  ok(actor: UserRecord, message: Message, action: MessageAction, options?: { clientId?: string; at?: string }): Promise<AppliedAction>;
  /** Asserts an outcome is a refusal with this code. */
  expectRefused(outcome: ActionOutcome | undefined, code: ErrorCode): void;
  /** `createdAt` of a message moved by `ms` (the injected server clock of an action). */
  after(message: Message, ms: number): string;
  /** The latest copy of each message in a feed, keyed by id (a drained feed may hold older copies before it). */
  latestById(messages: readonly Message[]): Map<string, Message>;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export function createActionFixture(fx: ContractFixture): ActionFixture {
  let counter = 0;
  const cid = () => `act-${++counter}-${Math.random().toString(36).slice(2, 10)}`;
  const after = (m: Message, ms: number) => new Date(Date.parse(m.createdAt) + ms).toISOString();

  const areq: ActionFixture['areq'] = (actor, message, action, options = {}) => ({
    actorId: actor.id,
    clientId: options.clientId ?? cid(),
    messageId: message.id,
    at: options.at ?? after(message, 1000),
    ...action,
  });

  const act: ActionFixture['act'] = async (actor, message, action, options) => {
    const outcomes = await fx.store.applyActions([areq(actor, message, action, options)]);
    expect(outcomes).toHaveLength(1);
    return outcomes[0]!;
  };

  return {
    areq,
    act,
    async ok(actor, message, action, options) {
      const outcome = await act(actor, message, action, options);
      expect(outcome.refused, `expected ${action.kind} to be accepted, got ${outcome.refused?.code}: ${outcome.refused?.message}`).toBeUndefined();
      return outcome as AppliedAction;
    },
    expectRefused(outcome, code) {
      expect(outcome, 'an outcome').toBeDefined();
      expect(outcome!.refused, `expected a ${code} refusal`).toBeDefined();
      expect(outcome!.refused!.code).toBe(code);
      expect(outcome!.message).toBeUndefined();
    },
    after,
    latestById(messages) {
      const latest = new Map<string, Message>();
      for (const m of messages) latest.set(m.id, m);
      return latest;
    },
  };
}

/** What a fresh text message carries of contract v2 (withMessageDefaults). */
export const V2_DEFAULTS = { type: 'text', replyTo: null, reactions: [], editedAt: null, deletedAt: null, attachments: [], version: 0 } as const;
