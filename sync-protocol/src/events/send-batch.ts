/**
 * Batched sends (extension, issue #20): `send-messages` on the socket and its REST twin
 * `POST /api/messages/batch` carry up to SEND_BATCH.maxItems messages of ONE sender in the order
 * they were typed, and answer one result per message handled, in that order.
 *
 * Why the answer is a prefix (docs/api.md, "Batched sends"; docs/sync-protocol.md, "Outbox"):
 * the server stores what it handles in request order, in one group commit, and stops at the first
 * message it cannot take for now (RATE_LIMITED, a store failure). `results` may therefore be
 * shorter than `messages`: results[i] answers messages[i]; a message without a result was not
 * stored and is sent again later. A refusal for good (VALIDATION, FORBIDDEN, NOT_FOUND…) does not
 * stop the batch: the single-send path skips such a message too (it shows as failed), so what is
 * stored is still in typing order. Each message keeps its clientId's idempotency: a batch sent
 * again answers the already-stored ones with the stored message.
 */
import { z } from 'zod';
import { sendMessageAckSchema } from './down.ts';
import { failedAckSchema } from '../errors.ts';
import { lazySchema } from '../lazy-schema.ts';

export const SEND_BATCH = {
  /** Messages one batch may carry; the server may handle fewer (SEND_BATCH_MAX). */
  maxItems: 50,
  /**
   * What a client puts in one batch, JSON bytes of the messages: under the 64 KiB socket frame and
   * HTTP body limits (LIMITS.socketFrameMaxBytes, httpBodyMaxBytes) with room for the envelope.
   */
  maxBytes: 48 * 1024,
} as const;

/**
 * The messages, each a `send-message` payload (model/message.ts sendMessageInputSchema). Items are
 * validated one by one by the server, so one malformed message is refused alone (VALIDATION in
 * its result), not the whole batch.
 */
export const sendMessagesPayloadSchema = lazySchema(() =>
  z.object({
    messages: z.array(z.unknown()).min(1).max(SEND_BATCH.maxItems),
  }),
);
export type SendMessagesPayload = z.infer<typeof sendMessagesPayloadSchema>;

/** One message's answer: the stored message (new or stored before), or why not. Same shape as a `send-message` ack. */
export const sendBatchResultSchema = lazySchema(() => sendMessageAckSchema);
export type SendBatchResult = z.infer<typeof sendBatchResultSchema>;

/** The REST answer (200) and the body of a successful ack. */
export const sendMessagesResponseSchema = lazySchema(() =>
  z.object({
    results: z.array(sendBatchResultSchema).max(SEND_BATCH.maxItems),
  }),
);
export type SendMessagesResponse = z.infer<typeof sendMessagesResponseSchema>;

/** The `send-messages` ack: the results, or a refusal of the whole request (nothing was stored). */
export const sendMessagesAckSchema = lazySchema(() =>
  z.union([
    sendMessagesResponseSchema.extend({ ok: z.literal(true) }),
    failedAckSchema,
  ]),
);
export type SendMessagesAck = z.infer<typeof sendMessagesAckSchema>;
