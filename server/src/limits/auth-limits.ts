import type { ServerConfig } from '../config.ts';
import type { Limiter, LimiterFactory, Verdict } from './limiter.ts';
import { rateLimited } from './rate-limited.ts';

export type AuthLimitConfig = Pick<ServerConfig, 'loginLimitPerIp' | 'loginLimitPerUser' | 'registerLimitPerIp' | 'authLimitWindowMs'>;

/**
 * The login and register limits, all checked BEFORE any password hashing, so a
 * refused attempt costs no scrypt run:
 *
 * - per client address, every login attempt counts (LOGIN_LIMIT_IP per window);
 *   a successful login gives its point back, so many people behind one NAT who
 *   know their passwords are not limited, while guessing is;
 * - per username, every attempt counts until it succeeds (LOGIN_LIMIT_USER per
 *   window); success resets the count. Counting attempts rather than failures
 *   means parallel guesses are limited too (a failure would only be known after
 *   the hash). Known and unknown usernames are treated alike, so a 429 does not
 *   reveal whether an account exists;
 * - per client address, every registration attempt counts (REGISTER_LIMIT_IP).
 *
 * The price of the per-username limit: anyone can lock a username's password
 * login for one window by guessing wrong. Sessions already signed in (refresh
 * tokens) are not affected.
 */
export class AuthLimits {
  private readonly loginByAddress: Limiter;
  private readonly loginByUsername: Limiter;
  private readonly registerByAddress: Limiter;

  constructor(limiter: LimiterFactory, config: AuthLimitConfig) {
    const windowMs = config.authLimitWindowMs;
    this.loginByAddress = limiter({ name: 'login-ip', points: config.loginLimitPerIp, windowMs });
    this.loginByUsername = limiter({ name: 'login-user', points: config.loginLimitPerUser, windowMs });
    this.registerByAddress = limiter({ name: 'register-ip', points: config.registerLimitPerIp, windowMs });
  }

  /** Counts a login attempt; throws RATE_LIMITED (with Retry-After) when the address or the username is over its limit. */
  async beforeLogin(address: string, username: string): Promise<void> {
    refuseUnless(await this.loginByAddress.consume(address), 'too many login attempts from this address');
    refuseUnless(await this.loginByUsername.consume(username), 'too many login attempts for this username');
  }

  /** The password was right: the attempt no longer counts against the address, and the username starts afresh. */
  async loginSucceeded(address: string, username: string): Promise<void> {
    await Promise.all([this.loginByAddress.reward(address), this.loginByUsername.reset(username)]);
  }

  /** The attempt was refused before its password was checked (hash queue full): it does not count. */
  async notAttempted(address: string, username: string): Promise<void> {
    await Promise.all([this.loginByAddress.reward(address), this.loginByUsername.reward(username)]);
  }

  /** Counts a registration attempt; throws RATE_LIMITED when the address is over its limit. */
  async beforeRegister(address: string): Promise<void> {
    refuseUnless(await this.registerByAddress.consume(address), 'too many registrations from this address');
  }
}

function refuseUnless(verdict: Verdict, message: string): void {
  if (!verdict.allowed) throw rateLimited(message, verdict.retryAfterMs);
}
