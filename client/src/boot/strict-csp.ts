/**
 * Imported by main.ts before anything that defines a schema. The page runs under
 * the server's Content-Security-Policy without 'unsafe-eval'
 * (server/src/http/middleware/security-headers.ts). zod probes `new Function` when an
 * object schema is created, to decide whether it may compile fast parsers; under the CSP
 * the probe fails harmlessly but is still reported as a `securitypolicyviolation`. Jitless
 * mode skips the probe. It must run before @pigeon/sync-protocol's modules evaluate, so
 * this module imports zod and nothing else. Node and the server keep the compiled parsers.
 */
import { config } from 'zod';

config({ jitless: true });
