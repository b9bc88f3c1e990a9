/**
 * Telling the server that a session is over (POST /api/auth/logout), best-effort: sign-out
 * never waits for the network longer than `timeoutMs`, and offline it does not wait at all
 * (the request fails at once). A session the server was not told about stays valid there
 * until its refresh token lapses; the device has forgotten both tokens either way.
 */
import { PigeonError } from '../../errors.ts';
import type { Session } from '../local/session.ts';
import type { Transport } from '../transport/transport.ts';

/** Resolves true when the server revoked the session, false otherwise (never rejects). */
export async function logoutOnServer(transport: Transport, session: Session, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([attempt(transport, session), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function attempt(transport: Transport, session: Session): Promise<boolean> {
  try {
    await transport.logout(session.token);
    return true;
  } catch (e) {
    // An expired access token cannot log out; the refresh token can still buy one that does.
    if (!(e instanceof PigeonError && e.code === 'UNAUTHENTICATED') || !session.refreshToken) return false;
    try {
      const pair = await transport.refresh(session.refreshToken);
      await transport.logout(pair.token);
      return true;
    } catch {
      return false;
    }
  }
}
