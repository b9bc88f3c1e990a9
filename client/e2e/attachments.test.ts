/**
 * Photos and files (#17) through the real server, between two people: Ana on a desktop sends, Bo
 * on a phone (390×844) receives. A photo written offline survives a reload and goes out when the
 * network returns; Bo sees its ThumbHash placeholder before the thumbnail, opens the lightbox,
 * zooms and downloads it. Files are picked, pasted and dropped; a PDF is a chip that downloads
 * with its name and bytes; a file over the server's limit (ATTACHMENT_MAX_BYTES, small here) and
 * an HTML file are refused with their reason, and Discard removes them. Every test also fails on a
 * CSP violation (harness). PIGEON_E2E_SHOTS=<dir> saves screenshots (attachments-*.png).
 */
import { describe, expect, it } from 'vitest';
import { bubbleWith, dismissUpdatePrompt } from './actions-helpers.ts';
import { binaryFile, heicFile, bubbleWithFile, decoded, download, drop, paste, pdfFile, pick, pngFile, shot, WAIT } from './attachments-helpers.ts';
import { bubbles, focusInDialog, openChatWith, PHONE, sendMessage, signUp, uniqueName, useBrowserCluster, type Device } from './harness.ts';

/** Small, so "too large" needs no 16 MiB file: the PNGs and the PDF stay far below it. */
const MAX_BYTES = 256 * 1024;
const cluster = useBrowserCluster({ attachmentMaxBytes: MAX_BYTES });

/** Ana (desktop) and Bo (phone, no service worker so his downloads can be held back) in one chat, each having opened it. */
async function twoPeople(): Promise<{ ana: Device; bo: Device; anaUser: string; boUser: string }> {
  const [anaUser, boUser] = [uniqueName('ana'), uniqueName('bo')];
  const ana = await cluster.device();
  const bo = await cluster.device({ viewport: PHONE, serviceWorkers: 'block' });
  await signUp(ana.page, anaUser, 'Ana');
  await signUp(bo.page, boUser, 'Bo');
  await dismissUpdatePrompt(ana.page);
  await openChatWith(ana.page, boUser);
  await sendMessage(ana.page, 'Hi Bo');
  await openChatWith(bo.page, anaUser);
  await expect.poll(() => bubbles(bo.page).count(), WAIT).toBe(1);
  return { ana, bo, anaUser, boUser };
}

const activeTestId = (page: Device['page']) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

describe('Attachments', () => {
  it('a photo sent offline survives a reload and is sent online; the other side sees the preview, then the photo; lightbox zoom, download, Esc', async () => {
    const { ana, bo } = await twoPeople();
    // Larger than the phone's screen, so "fit" is below 100 % and the zoom steps are 100 % then 200 %.
    const photo = pngFile('sunset.png', 800, 600);
    expect(photo.buffer.length).toBeLessThan(MAX_BYTES);

    // Offline: picked with the paperclip, shown in the tray, sent with a caption. The pending
    // bubble shows the photo from the device, its ThumbHash made here (the server is out of reach).
    await ana.net.setOffline(true);
    await ana.page.getByRole('button', { name: 'Attach photos or files' }).waitFor(WAIT);
    await pick(ana.page, [photo]);
    await ana.page.getByTestId('tray-item').waitFor(WAIT);
    expect(await ana.page.getByTestId('tray-item').getAttribute('data-name')).toBe('sunset.png');
    await sendMessage(ana.page, 'Sunset');
    await ana.page.getByTestId('attachment-tray').waitFor({ state: 'detached', ...WAIT });
    const pending = bubbles(ana.page).last();
    await expect.poll(() => pending.getAttribute('data-status'), WAIT).toBe('pending');
    await expect.poll(() => decoded(pending.getByTestId('attachment-thumb')), WAIT).toBe(true);
    expect(await pending.getByTestId('attachment-placeholder').count()).toBe(1);
    expect(await pending.getByTestId('attachment-placeholder').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await pending.getByTestId('upload-progress').count()).toBe(1);
    // The ThumbHash was made off the main thread, in the image worker.
    expect(ana.page.workers().some((w) => /\/assets\/worker-[\w-]+\.js$/.test(w.url()))).toBe(true);
    expect(await pending.getByTestId('message-body').innerText()).toBe('Sunset');
    await shot(ana.page, 'desktop-pending-offline');

    // A reload while still offline keeps it, bytes included.
    await ana.page.reload();
    const kept = bubbles(ana.page).last();
    await expect.poll(() => kept.getAttribute('data-status'), WAIT).toBe('pending');
    await expect.poll(() => decoded(kept.getByTestId('attachment-thumb')), WAIT).toBe(true);

    // Bo's thumbnail download waits until we have seen the placeholder alone.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await bo.context.route('**/api/attachments/*/thumbnail', async (route) => {
      await held;
      await route.continue();
    });

    await ana.net.setOffline(false);
    await expect.poll(() => bubbles(ana.page).last().getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);
    expect(await bubbles(ana.page).last().getByTestId('upload-progress').count()).toBe(0);

    const received = bubbleWith(bo.page, 'Sunset');
    await expect.poll(() => received.getByTestId('attachment-placeholder').count(), WAIT).toBe(1);
    expect(await received.getByTestId('attachment-placeholder').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await received.getByTestId('attachment-thumb').count()).toBe(0);
    expect(await received.getByTestId('message-body').innerText()).toBe('Sunset');
    await shot(bo.page, 'phone-placeholder');
    release();
    await expect.poll(() => decoded(received.getByTestId('attachment-thumb')), WAIT).toBe(true);
    await shot(bo.page, 'phone-chat');

    // The list says what it is when there is no text: a photo without caption.
    await pick(bo.page, [pngFile('reply.png', 64, 64)]);
    await bo.page.getByTestId('composer-send').click();
    await expect.poll(() => bubbles(ana.page).count(), WAIT).toBe(3);
    await expect.poll(() => ana.page.getByTestId('conversation-preview').first().innerText(), WAIT).toContain('📷 Photo');

    // Lightbox on the phone: opens with focus inside, full-size bytes, zoom, pan, download, Esc back to the photo.
    const cell = received.getByTestId('attachment-image');
    await cell.click();
    const box = bo.page.getByTestId('lightbox');
    await box.waitFor(WAIT);
    expect(await box.getAttribute('role')).toBe('dialog');
    expect(await box.getAttribute('aria-modal')).toBe('true');
    expect(await focusInDialog(bo.page)).toBe(true);
    await expect.poll(() => decoded(bo.page.getByTestId('lightbox-image')), WAIT).toBe(true);
    expect(await bo.page.getByTestId('lightbox-image').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(800);
    expect(await bo.page.getByTestId('lightbox-position').innerText()).toBe('1 of 2');
    await bo.page.getByTestId('lightbox-zoom-in').click();
    expect(await box.getAttribute('data-zoom')).toBe('1');
    await bo.page.getByTestId('lightbox-zoom-in').click();
    expect(await box.getAttribute('data-zoom')).toBe('2');
    await bo.page.getByTestId('lightbox-zoom-level').click(); // 200 % → fit
    expect(await box.getAttribute('data-zoom')).toBe('fit');
    await bo.page.getByTestId('lightbox-image').dblclick();
    expect(await box.getAttribute('data-zoom')).not.toBe('fit');
    // Zoomed in, a drag pans the photo; Ctrl+wheel zooms further.
    const image = bo.page.getByTestId('lightbox-image');
    const before = await image.evaluate((img) => (img as HTMLElement).style.transform);
    await bo.page.mouse.move(200, 400);
    await bo.page.mouse.down();
    await bo.page.mouse.move(120, 340, { steps: 4 });
    await bo.page.mouse.up();
    expect(await image.evaluate((img) => (img as HTMLElement).style.transform)).not.toBe(before);
    const zoomBefore = Number(await box.getAttribute('data-zoom'));
    await bo.page.keyboard.down('Control');
    await bo.page.mouse.wheel(0, -200);
    await bo.page.keyboard.up('Control');
    await expect.poll(async () => Number(await box.getAttribute('data-zoom')), WAIT).toBeGreaterThan(zoomBefore);
    await shot(bo.page, 'phone-lightbox-zoomed');
    await bo.page.getByTestId('lightbox-next').click();
    await expect.poll(() => bo.page.getByTestId('lightbox-position').innerText(), WAIT).toBe('2 of 2');
    await bo.page.getByTestId('lightbox-previous').click();
    await expect.poll(() => box.getAttribute('data-attachment-id'), WAIT).toBe(await cell.getAttribute('data-attachment-id'));
    const saved = await download(bo.page, bo.page.getByTestId('lightbox-download'));
    expect(saved.name).toBe('sunset.png');
    expect(saved.bytes.equals(photo.buffer)).toBe(true);
    await bo.page.keyboard.press('Escape');
    await box.waitFor({ state: 'detached', ...WAIT });
    expect(await activeTestId(bo.page)).toBe('attachment-image');

    // Opened once, the photo is on Bo's device: the lightbox shows it offline too (opened with Enter).
    await bo.net.setOffline(true);
    await cell.focus();
    await bo.page.keyboard.press('Enter');
    await expect.poll(() => decoded(bo.page.getByTestId('lightbox-image')), WAIT).toBe(true);
    await bo.page.getByTestId('lightbox-close').click();
    await box.waitFor({ state: 'detached', ...WAIT });
    expect(await activeTestId(bo.page)).toBe('attachment-image');
    await bo.net.setOffline(false);
  });

  it('files picked, pasted and dropped go to the tray (removable); a PDF is a chip that downloads with its name and bytes', async () => {
    const { ana, bo } = await twoPeople();
    const report = pdfFile('report.pdf');
    // Bo's first thumbnail request meets a busy server: the bubble tries again by itself.
    let refused = 0;
    await bo.context.route('**/api/attachments/*/thumbnail', (route) =>
      refused++ === 0 ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'busy' } }) }) : route.continue(),
    );

    await paste(ana.page, [pngFile('pasted.png', 120, 80)]);
    await drop(ana.page, [report]);
    await pick(ana.page, [binaryFile('data.bin', 2048), heicFile('IMG_0001.heic')]);
    await expect.poll(() => ana.page.getByTestId('tray-item').count(), WAIT).toBe(4);
    expect(await ana.page.getByTestId('tray-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-name')))).toEqual(['pasted.png', 'report.pdf', 'data.bin', 'IMG_0001.heic']);
    await shot(ana.page, 'desktop-tray');
    await ana.page.getByRole('button', { name: 'Remove data.bin' }).click();
    await expect.poll(() => ana.page.getByTestId('tray-item').count(), WAIT).toBe(3);
    await sendMessage(ana.page, 'The report and a picture');

    const sent = bubbles(ana.page).last();
    await expect.poll(() => sent.getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);
    const chip = bubbleWithFile(bo.page, 'report.pdf');
    await chip.waitFor(WAIT);
    const file = chip.locator('[data-testid="attachment-file"][data-name="report.pdf"]');
    expect(await file.getAttribute('data-mime')).toBe('application/pdf');
    expect(await file.getByTestId('attachment-details').innerText()).toMatch(/^\d+ B · PDF$/);
    expect(await chip.getByTestId('attachment-image').count()).toBe(1);
    await expect.poll(() => decoded(chip.getByTestId('attachment-thumb')), WAIT).toBe(true);
    expect(refused).toBeGreaterThanOrEqual(2);
    // HEIC is a file to download, never an <img> (browsers other than Safari cannot show it).
    const heic = chip.locator('[data-testid="attachment-file"][data-name="IMG_0001.heic"]');
    expect(await heic.getAttribute('data-mime')).toBe('image/heic');
    expect(await chip.locator('img').count()).toBe(2); // the PNG's placeholder and thumbnail only
    await shot(bo.page, 'phone-file');
    const saved = await download(bo.page, chip.getByRole('button', { name: 'Download report.pdf' }));
    expect(saved.name).toBe('report.pdf');
    expect(saved.bytes.equals(report.buffer)).toBe(true);
    await shot(ana.page, 'desktop-chat');
  });

  it('a file over the limit says so and Discard removes it; an HTML file is refused as a type', async () => {
    const { ana, bo } = await twoPeople();

    await pick(ana.page, [binaryFile('huge.bin', MAX_BYTES + 50 * 1024)]);
    await ana.page.getByTestId('composer-send').click();
    const big = bubbleWithFile(ana.page, 'huge.bin');
    await expect.poll(() => big.getAttribute('data-status'), WAIT).toBe('failed');
    expect(await big.getByTestId('message-failure').getAttribute('data-code')).toBe('PAYLOAD_TOO_LARGE');
    expect(await big.getByTestId('message-failure').innerText()).toBe('Not sent. Too large: 306 KB, the limit is 256 KB.');
    await shot(ana.page, 'desktop-too-large');

    await pick(ana.page, [{ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<!doctype html><script>alert(1)</script>') }]);
    await ana.page.getByTestId('composer-send').click();
    const html = bubbleWithFile(ana.page, 'page.html');
    await expect.poll(() => html.getAttribute('data-status'), WAIT).toBe('failed');
    expect(await html.getByTestId('message-failure').innerText()).toBe("Not sent. This type of file can't be sent.");

    await big.getByRole('button', { name: 'Discard' }).click();
    await big.waitFor({ state: 'detached', ...WAIT });
    await html.getByRole('button', { name: 'Discard' }).click();
    await html.waitFor({ state: 'detached', ...WAIT });
    expect(await bubbles(ana.page).count()).toBe(1);
    // Nothing of them reached Bo.
    await sendMessage(ana.page, 'never mind');
    await expect.poll(() => bubbles(bo.page).count(), WAIT).toBe(2);
  });

  it('the cache setting shows what is kept on the device and switches between 256 MB and everything', async () => {
    const { ana, bo } = await twoPeople();
    // A photo Bo opened full size is kept on his device: it counts in the usage.
    await pick(ana.page, [pngFile('kept.png', 200, 150)]);
    await ana.page.getByTestId('composer-send').click();
    await expect.poll(() => bo.page.getByTestId('attachment-image').count(), WAIT).toBe(1);
    await bo.page.getByTestId('attachment-image').click();
    await expect.poll(() => decoded(bo.page.getByTestId('lightbox-image')), WAIT).toBe(true);
    await bo.page.keyboard.press('Escape');
    await bo.page.getByTestId('lightbox').waitFor({ state: 'detached', ...WAIT });
    await bo.page.getByTestId('chat-back').click();
    await bo.page.getByTestId('open-devices').click();
    const setting = bo.page.getByTestId('media-cache');
    await setting.waitFor(WAIT);
    await expect.poll(() => bo.page.getByTestId('media-cache-limited').isChecked(), WAIT).toBe(true);
    await expect.poll(() => bo.page.getByTestId('media-cache-usage').innerText(), WAIT).toMatch(/^Using \d+(\.\d)? (KB|MB) now\.$/);
    await bo.page.getByText('Keep everything').click();
    await expect.poll(() => bo.page.getByTestId('media-cache-everything').isChecked(), WAIT).toBe(true);
    expect(await bo.page.evaluate(() => document.querySelector<HTMLInputElement>('[data-testid="media-cache-everything"]')?.checked)).toBe(true);
    await bo.page.reload();
    await bo.page.getByTestId('media-cache').waitFor(WAIT);
    await expect.poll(() => bo.page.getByTestId('media-cache-everything').isChecked(), WAIT).toBe(true);
    await shot(bo.page, 'phone-cache-setting');
  });
});
