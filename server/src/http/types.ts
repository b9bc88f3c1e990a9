import type { Store } from '../store/store.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Logger } from '../log.ts';
import type { SendService } from '../messages/send-service.ts';
import type { PresenceReader } from '../realtime/presence.ts';
import type { UserDirectory } from '../users/user-directory.ts';

/** Hono context variables set by middleware. */
export interface AppEnv {
  Variables: {
    /** Set by requireAuth. */
    userId: string;
  };
}

/** Everything the HTTP layer uses; built once in start-server.ts. */
export interface HttpServices {
  store: Store;
  tokens: TokenService;
  users: UserDirectory;
  presence: PresenceReader;
  sends: SendService;
  log: Logger;
  /** The built PWA folder (served when it exists). */
  clientDistDir: string;
  isClosing(): boolean;
}
