/**
 * Issue #19 items 9 and 11 in a bubble: text lays out by its own direction (dir="auto": Arabic
 * right-aligned, Hebrew-then-English right to left), and URLs are safe links (http, https,
 * mailto only; a new tab without opener or referrer), the text around them unchanged.
 */
import { describe, expect, it } from 'vitest';
import { apiPost, bubbleBodies, bubbles, openChatWith, PASSWORD, sendMessage, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const cluster = useBrowserCluster();

const ARABIC = 'مرحبا يا صديقي، كيف حالك اليوم؟ أتمنى أن تكون بخير وأن يكون يومك جميلا ومليئا بالأخبار السعيدة والطيبة مع العائلة';

describe('Bubble text', () => {
  it('lays Arabic and Hebrew out right to left and English left to right', async () => {
    const peer = uniqueName('peer');
    await apiPost(cluster.server, '/api/auth/register', { username: peer, password: PASSWORD });
    const { page } = await cluster.device();
    await signUp(page, uniqueName('emma'), 'Emma');
    await openChatWith(page, peer);
    for (const body of [ARABIC, 'שלום world, how are you?', 'Hello שלום']) await sendMessage(page, body);
    await expect.poll(() => bubbleBodies(page), WAIT).toEqual([ARABIC, 'שלום world, how are you?', 'Hello שלום']);

    const layout = await page.getByTestId('message-body').evaluateAll((els) =>
      els.map((el) => {
        const lines = [...el.getClientRects()];
        return {
          dir: el.closest('[dir]')?.getAttribute('dir') ?? null,
          direction: getComputedStyle(el).direction,
          lines: lines.length,
          // The last line of a wrapped paragraph: flush right (RTL) starts well right of the first.
          lastLineIndent: lines.length > 1 ? lines[lines.length - 1]!.left - lines[0]!.left : 0,
        };
      }),
    );
    expect(layout.map((l) => [l.dir, l.direction])).toEqual([
      ['auto', 'rtl'],
      ['auto', 'rtl'],
      ['auto', 'ltr'],
    ]);
    expect(layout[0]!.lines).toBeGreaterThan(1);
    expect(layout[0]!.lastLineIndent).toBeGreaterThan(20);
  });

  it('turns http, https and mailto URLs into safe links and leaves javascript: as text', async () => {
    const peer = uniqueName('peer');
    await apiPost(cluster.server, '/api/auth/register', { username: peer, password: PASSWORD });
    const { page } = await cluster.device();
    await signUp(page, uniqueName('emma'), 'Emma');
    await openChatWith(page, peer);
    const body = 'see https://example.com/a?b=c&d=e#f. or mail ana@example.org, not javascript:alert(1)';
    await sendMessage(page, body);
    await expect.poll(() => bubbleBodies(page), WAIT).toEqual([body]);

    const links = await bubbles(page)
      .last()
      .getByTestId('message-body')
      .locator('a')
      .evaluateAll((as) => as.map((a) => ({ text: a.textContent, href: a.getAttribute('href'), target: a.getAttribute('target'), rel: a.getAttribute('rel') })));
    expect(links).toEqual([
      { text: 'https://example.com/a?b=c&d=e#f', href: 'https://example.com/a?b=c&d=e#f', target: '_blank', rel: 'noopener noreferrer' },
      { text: 'ana@example.org', href: 'mailto:ana@example.org', target: '_blank', rel: 'noopener noreferrer' },
    ]);
    // Reachable by keyboard, named by its text.
    expect(await bubbles(page).last().getByRole('link', { name: 'https://example.com/a?b=c&d=e#f', exact: true }).count()).toBe(1);
  });
});
