/** Public entry of @pigeon/server. */
export { startServer, type RunningServer, type StartServerOptions } from './start-server.ts';
export type { TestHooks } from './test-hooks.ts';
export { loadConfig, resolveConfig, ConfigError, DEFAULT_CONFIG, type ServerConfig, type LogLevel } from './config.ts';
export type { Store } from './store/store.ts';
