import type { Context } from 'hono';
import type { Store } from '../store/store.ts';
import type { Passwords } from '../auth/passwords.ts';
import type { AuthLimits } from '../limits/auth-limits.ts';
import type { SessionGate } from '../auth/session-gate.ts';
import type { SessionService } from '../auth/sessions.ts';
import type { Logger } from '../log.ts';
import type { Fanout } from '../messages/fanout.ts';
import type { GroupService } from '../groups/group-service.ts';
import type { Audience } from '../privacy/audience.ts';
import type { ActionService } from '../messages/action-service.ts';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import type { SendService } from '../messages/send-service.ts';
import type { PresenceReader } from '../realtime/presence.ts';
import type { UserDirectory } from '../users/user-directory.ts';
import type { SendLimit, UserLimit } from '../limits/send-limit.ts';
import type { PushService } from '../push/push-service.ts';

/** Hono context variables set by middleware. */
export interface AppEnv {
  Variables: {
    /** Set by requireAuth. */
    userId: string;
    /** Set by requireAuth: the session of the access token. */
    sessionId: string;
  };
}

/** Everything the HTTP layer uses; built once in start-server.ts. */
export interface HttpServices {
  store: Store;
  /** Access-token check (requireAuth). */
  gate: SessionGate;
  /** Sign-in sessions: start, refresh, list, revoke. */
  sessions: SessionService;
  users: UserDirectory;
  presence: PresenceReader;
  sends: SendService;
  /** React, edit, delete for everyone, hide (message actions, contract v2). */
  actions: ActionService;
  /** Uploads, downloads and deletion of attachments (contract v2, "Attachments"). */
  attachments: AttachmentService;
  /** Creating and changing groups, and telling their members. */
  groups: GroupService;
  /** Who may see whose presence; block lists. */
  audience: Audience;
  /** Events to users' sockets (block hides presence at once). */
  fanout: Fanout;
  /** Password hashing: cost, bounded concurrency, decoy, upgrades. */
  passwords: Passwords;
  /** Login/register limits per client address and username. */
  authLimits: AuthLimits;
  /** Web Push: the VAPID public key and the endpoint check (PUSH_ALLOWED_HOSTS). */
  push: Pick<PushService, 'vapidPublicKey' | 'checkEndpoint'>;
  /**
   * SEND_RATE_LIMIT, the per-user budget of writes (sends, actions, group changes, uploads); push
   * subscriptions and mutes count against it too.
   */
  writeLimit: SendLimit;
  /** SEARCH_RATE_LIMIT, the per-user budget of message searches. */
  searchLimit: UserLimit;
  /** The rate-limit key of a request's client (http/client-address.ts). */
  clientAddress(c: Context): string;
  log: Logger;
  /** The built PWA folder (served when it exists). */
  clientDistDir: string;
  isClosing(): boolean;
}
