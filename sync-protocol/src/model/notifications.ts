/**
 * Notifications (contract v2, "Notifications and search", and its extensions in docs/api.md):
 * Web Push subscriptions, the payload a push carries, and per-chat mute synced across a user's
 * devices.
 *
 *   GET    /api/push/config               → 200 { vapidPublicKey }
 *   POST   /api/push/subscriptions        { endpoint, keys: { p256dh, auth }, preview? } → 201 (200: updated)
 *   DELETE /api/push/subscriptions        { endpoint } → 204
 *   PUT    /api/conversations/:id/mute    { muted } → 200 { mute }           (extension)
 *   GET    /api/conversations/mutes       → 200 { mutes }                    (extension)
 *   socket `conversation-muted` { mute }  to the user's other sockets        (extension)
 *
 * An endpoint must be https on a host in PUSH_ALLOWED_HOSTS (the server's policy: VALIDATION
 * otherwise), so a crafted endpoint cannot make the server call anything else.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { lazySchema } from '../lazy-schema.ts';

const base64url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'base64url')
    .refine((s) => Math.floor((s.replace(/=+$/, '').length * 3) / 4) === bytes, `${bytes} bytes in base64url`);

/** What the browser's `PushSubscription.toJSON()` gives, plus `preview` (extension). */
export const pushSubscriptionInputSchema = lazySchema(() =>
  z.object({
    endpoint: z.string().max(LIMITS.pushEndpointMaxChars).url(),
    /** Browsers include it (usually null); ignored. */
    expirationTime: z.number().nullable().optional(),
    keys: z.object({
      /** The subscription's P-256 public key, uncompressed (65 bytes). */
      p256dh: base64url(65),
      /** The 16-byte auth secret. */
      auth: base64url(16),
    }),
    /**
     * Extension: whether pushes to this device carry the message's text (default true). Off, the
     * notification says only who wrote (privacy on a lock screen).
     */
    preview: z.boolean().optional(),
  }),
);
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionInputSchema>;

export const pushUnsubscribeInputSchema = lazySchema(() =>
  z.object({ endpoint: z.string().max(LIMITS.pushEndpointMaxChars) }),
);
export type PushUnsubscribeInput = z.infer<typeof pushUnsubscribeInputSchema>;

export const pushConfigResponseSchema = lazySchema(() => z.object({ vapidPublicKey: z.string() }));
export type PushConfigResponse = z.infer<typeof pushConfigResponseSchema>;

/**
 * The JSON a push carries (encrypted, RFC 8291 aes128gcm), what the service worker reads. Small
 * (well under the 4 KiB a push service takes): the device fetches the message itself when it opens
 * the chat. `v` changes only with an incompatible shape.
 */
export const pushPayloadSchema = lazySchema(() =>
  z.object({
    v: z.literal(1),
    kind: z.literal('message'),
    conversationId: z.string(),
    messageId: z.string(),
    seq: z.number().int().positive(),
    sentAt: z.string(),
    sender: z.object({ id: z.string(), displayName: z.string() }),
    /** The group's title; null for a 1:1 conversation. */
    groupTitle: z.string().nullable(),
    /**
     * The message's text (or caption), cut to LIMITS.pushPreviewMaxChars code points; null when the
     * subscription's `preview` is off, or the message has no text (a photo without caption).
     */
    text: z.string().nullable(),
    /** Photos (inline raster images) and other files the message carries; 0 and 0 for text. Never hidden by `preview` off. */
    photos: z.number().int().nonnegative(),
    files: z.number().int().nonnegative(),
  }),
);
export type PushPayload = z.infer<typeof pushPayloadSchema>;

/** A user's mute of one conversation; `changedAt` is server time, the last change wins. */
export const conversationMuteSchema = lazySchema(() =>
  z.object({
    conversationId: z.string(),
    muted: z.boolean(),
    changedAt: z.string(),
  }),
);
export type ConversationMute = z.infer<typeof conversationMuteSchema>;

export const setMuteInputSchema = lazySchema(() => z.object({ muted: z.boolean() }));
export type SetMuteInput = z.infer<typeof setMuteInputSchema>;

export const muteResponseSchema = lazySchema(() => z.object({ mute: conversationMuteSchema }));
export type MuteResponse = z.infer<typeof muteResponseSchema>;

/** Every mute record of the user (unmuted ones too, so a device learns of an unmute it missed). */
export const mutesResponseSchema = lazySchema(() => z.object({ mutes: z.array(conversationMuteSchema) }));
export type MutesResponse = z.infer<typeof mutesResponseSchema>;

/** `conversation-muted`: the user muted or unmuted a chat on another device. */
export const conversationMutedEventSchema = lazySchema(() => z.object({ mute: conversationMuteSchema }));
export type ConversationMutedEvent = z.infer<typeof conversationMutedEventSchema>;
