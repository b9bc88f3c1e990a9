/**
 * An axe-core audit (@axe-core/playwright, WCAG 2.1 A and AA rules) of the sign-in page, the chat
 * list and an open chat, in light and dark, on a phone and a desktop: no serious or critical
 * violation (issue #19). Minor and moderate ones are printed, not failed: they are judged by eye.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiPost, DESKTOP, openChatWith, PASSWORD, PHONE, sendMessage, signUp, uniqueName, useBrowserCluster, type ApiAuth } from './harness.ts';

const cluster = useBrowserCluster();
const WAIT = { timeout: 20_000, interval: 100 };

interface Finding {
  where: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

async function audit(page: Page, where: string): Promise<Finding[]> {
  // The app's own animations (toasts, transitions) settle first: axe reads computed colours.
  await page.waitForTimeout(300);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  // The audit really looked at the page: contrast and names were checked on real nodes.
  const checked = new Set(result.passes.map((p) => p.id));
  expect([where, checked.has('color-contrast'), checked.has('button-name') || checked.has('label')]).toEqual([where, true, true]);
  return result.violations.map((v) => ({
    where,
    id: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  }));
}

describe('Accessibility (axe-core)', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      it(`sign-in page, chat list and an open chat have no serious or critical violation (${label}, ${colorScheme})`, async () => {
        const peer = uniqueName('axepeer');
        const peerAuth = await apiPost<ApiAuth>(cluster.server, '/api/auth/register', { username: peer, password: PASSWORD, displayName: 'Axel Peer' });
        const { page } = await cluster.device({ viewport, colorScheme });
        const findings: Finding[] = [];

        await page.getByTestId('auth-username').waitFor();
        findings.push(...(await audit(page, 'sign-in')));

        const me = uniqueName('axe');
        await signUp(page, me, 'Ada Axe');
        const meAuth = await apiPost<ApiAuth>(cluster.server, '/api/auth/login', { username: me, password: PASSWORD });
        await openChatWith(page, peer);
        await sendMessage(page, 'Hello, is this readable? https://example.org/page');
        // A message from the peer too, so both bubble colours are audited.
        await apiPost(cluster.server, '/api/messages', { clientId: crypto.randomUUID(), to: meAuth.user.id, body: 'Yes, perfectly.' }, peerAuth.token);
        await expect.poll(() => page.getByTestId('message-bubble').count(), WAIT).toBe(2);
        findings.push(...(await audit(page, 'open chat')));

        // The list: on a phone the chat covers it, so go back to it first.
        if (viewport === PHONE) await page.getByTestId('chat-back').click();
        await page.getByTestId('conversation-list').waitFor();
        findings.push(...(await audit(page, 'chat list')));

        const blocking = findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
        const other = findings.filter((f) => !blocking.includes(f));
        if (other.length > 0) console.log(`[axe ${label} ${colorScheme}] minor/moderate:`, JSON.stringify(other, null, 1));
        expect(blocking, JSON.stringify(blocking, null, 1)).toEqual([]);
      });
    }
  }
});
