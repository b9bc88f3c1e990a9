import { pushSubscriptionInputSchema, type PushSubscriptionInput } from '@pigeon/sync-protocol';

/** What `PushSubscription.toJSON()` gives (DOM's PushSubscriptionJSON, all optional there). */
export interface PushSubscriptionJson {
  endpoint?: string;
  expirationTime?: number | null;
  keys?: Record<string, string>;
}

/** The body of POST /api/push/subscriptions for this browser subscription; null if the browser gave an incomplete one. */
export function subscriptionInput(json: PushSubscriptionJson, preview: boolean): PushSubscriptionInput | null {
  const parsed = pushSubscriptionInputSchema.safeParse({
    endpoint: json.endpoint,
    expirationTime: json.expirationTime ?? null,
    keys: { p256dh: json.keys?.p256dh, auth: json.keys?.auth },
    preview,
  });
  return parsed.success ? parsed.data : null;
}
