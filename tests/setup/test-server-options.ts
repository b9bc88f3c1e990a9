/**
 * What every test server runs with unless a test says otherwise (tests/server, tests/engine,
 * the chaos server process, client/e2e). Production values would make the suites slow or
 * flaky without testing anything more:
 *
 * - scrypt at 2^10 instead of 2^17: ~128 MiB and ~0.3–1 s per hash would make registering
 *   each test user the slowest part of most tests. One unit test (server/src/auth/
 *   password.test.ts) keeps the production cost honest.
 * - login/register/handshake/event limits and the hash queue far above anything a suite does:
 *   every test user registers from 127.0.0.1, and suites reconnect and emit far faster than
 *   a person. The suites about limits (tests/server/abuse-*.test.ts) set their own.
 */
import type { ServerConfig } from '../../server/src/config.ts';

const GENEROUS = 1_000_000;

export const TEST_SERVER_OPTIONS = {
  scryptLogN: 10,
  passwordHashQueue: GENEROUS,
  loginLimitPerIp: GENEROUS,
  loginLimitPerUser: GENEROUS,
  registerLimitPerIp: GENEROUS,
  socketEventLimit: GENEROUS,
  userEventLimit: GENEROUS,
  handshakeLimitPerIp: GENEROUS,
  handshakeLimitPerUser: GENEROUS,
} satisfies Partial<ServerConfig>;

/**
 * For the browser suites: what a person's PWA does must fit the production limits on
 * sockets (event budgets, handshakes, sockets per user, buffers), so those stay at their
 * defaults; only hashing and the per-address login/register counters (every test user
 * registers from 127.0.0.1) are relaxed.
 */
export const BROWSER_TEST_SERVER_OPTIONS = {
  scryptLogN: TEST_SERVER_OPTIONS.scryptLogN,
  passwordHashQueue: GENEROUS,
  loginLimitPerIp: GENEROUS,
  loginLimitPerUser: GENEROUS,
  registerLimitPerIp: GENEROUS,
} satisfies Partial<ServerConfig>;

/** The same for a server started as a process (server/src/main.ts reads the environment). */
export const TEST_SERVER_ENV: Record<string, string> = {
  SCRYPT_LOG_N: String(TEST_SERVER_OPTIONS.scryptLogN),
  PASSWORD_HASH_QUEUE: String(GENEROUS),
  LOGIN_LIMIT_IP: String(GENEROUS),
  LOGIN_LIMIT_USER: String(GENEROUS),
  REGISTER_LIMIT_IP: String(GENEROUS),
  SOCKET_EVENT_LIMIT: String(GENEROUS),
  USER_EVENT_LIMIT: String(GENEROUS),
  HANDSHAKE_LIMIT_IP: String(GENEROUS),
  HANDSHAKE_LIMIT_USER: String(GENEROUS),
};
