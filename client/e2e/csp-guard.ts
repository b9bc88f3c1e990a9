/**
 * The Content-Security-Policy check of every e2e test: each browser context records the
 * `securitypolicyviolation` events of all its pages (reloads and new tabs included), and the
 * harness fails the test that caused any (useBrowserCluster's afterEach). The server sends a
 * strict policy (no inline script or style, no eval, same-origin connections only), so a build
 * that needs `unsafe-inline` or talks to another origin fails here instead of in production.
 *
 * The listener is an init script (it runs before the page's own scripts, outside the page's
 * CSP) and reports through a binding, so violations survive reloads and navigations.
 */
import type { BrowserContext } from 'playwright-core';

export interface CspViolation {
  page: string;
  directive: string;
  blocked: string;
  source: string;
  sample: string;
}

const BINDING = '__pigeonCspViolation';

/** Records every violation of `context`'s pages into `into`. Call before the first page opens. */
export async function recordCspViolations(context: BrowserContext, into: CspViolation[]): Promise<void> {
  await context.exposeBinding(BINDING, ({ page }, v: Omit<CspViolation, 'page'>) => {
    into.push({ page: page?.url() ?? '(unknown)', ...v });
  });
  await context.addInitScript((binding: string) => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as Record<string, (v: object) => void>)[binding];
      report?.({ directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}`, sample: e.sample });
    });
  }, BINDING);
}

/** Throws (failing the current test) when violations were recorded; empties the list either way. */
export function assertNoCspViolations(violations: CspViolation[]): void {
  const found = violations.splice(0);
  if (found.length > 0) {
    throw new Error(`Content-Security-Policy violations (${found.length}):\n${found.map((v) => `  ${v.directive} blocked ${v.blocked || '(inline)'} at ${v.source} on ${v.page} ${v.sample}`).join('\n')}`);
  }
}
