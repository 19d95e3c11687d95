import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/app.js';
import { clientId, connectClient, connectMongo, onCleanup, quietLogger, request } from '../support/harness.js';
import { browserBundlePath, widgetBundlePath } from '../support/widget-bundle.js';
import { launchChromium, logTexts, openPage, openWidget, sendMessage } from './browser.js';
import './locator-matchers.js';
import { operatorSocket } from './team.js';

let browser: Browser;
let db: Connection;

beforeAll(async () => {
  db = await connectMongo();
  browser = await launchChromium();
});

/** Another site, on its own port (so its own origin): one page with the widget on it. */
async function otherSite(page: (origin: string) => string, files: Record<string, Buffer> = {}): Promise<string> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (file) {
      res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
      res.end(file);
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page(origin));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return origin;
}

const widget = (page: Page) => page.locator('chat-widget');

describe('<chat-widget> on a site of another origin', () => {
  it('loads the widget from the chat server and chats, when the chat allows that origin', async () => {
    let chatUrl = '';
    const shop = await otherSite(
      () => `<!doctype html><html lang="en"><head><title>Another shop</title>
        <script type="module" src="${chatUrl}/chat/widget.js"></script></head>
        <body><h1>Another shop</h1><chat-widget server="${chatUrl}" room="lobby"></chat-widget></body></html>`,
    );
    const chat = await startDemo({ connection: db, port: 0, chatOptions: { allowedOrigins: [shop] } });
    onCleanup(() => chat.close());
    chatUrl = chat.url;

    const visitor = await openPage(browser, `${shop}/`);
    await openWidget(visitor.page);
    const other = await connectClient(chat.url);
    await request(other, 'join', { room: 'lobby' });
    await sendMessage(visitor.page, 'Written on another origin');
    await expect(widget(visitor.page).locator('[part~="message-own"]', { hasText: 'Written on another origin' })).toContainText('Sent');
    await request(other, 'message', { room: 'lobby', message: 'Answered from the chat side', clientId: clientId() });
    await expect.poll(() => logTexts(visitor.page)).toContain('Answered from the chat side');
    expect(visitor.problems).toEqual([]);
  });

  it('tells a site the chat does not allow why it cannot connect, on the page and in the server log, and sends nothing meanwhile', async () => {
    const logger = quietLogger();
    const chat = await startDemo({ connection: db, port: 0, chatOptions: { allowedOrigins: ['https://only-this.example'], logger } });
    onCleanup(() => chat.close());
    // The site hosts a copy of the widget's files itself, so they load; the chat refuses the site.
    const stranger = await otherSite(
      () => `<!doctype html><html lang="en"><head><title>Not allowed</title>
        <script type="module" src="/widget.js"></script></head>
        <body><h1>Not allowed</h1><chat-widget server="${chat.url}" room="lobby"></chat-widget></body></html>`,
      { '/widget.js': readFileSync(widgetBundlePath()), '/chat-panel.js': readFileSync(browserBundlePath('chat-panel.js')) },
    );
    const { page } = await openPage(browser, `${stranger}/`);
    await page.evaluate(() => {
      const seen: unknown[] = [];
      (window as unknown as { __errors: unknown[] }).__errors = seen;
      document.addEventListener('chat-error', (event) => seen.push((event as CustomEvent).detail));
    });
    // The site owner opens the chat to try it; the window says why it cannot connect.
    await page.getByRole('button', { name: 'Open chat' }).click();
    await expect(widget(page).locator('[part="status"]')).toContainText(`This chat does not accept connections from ${stranger}`);
    await expect(widget(page).locator('[part="status"]')).toHaveAttribute('data-status', 'refused');
    // Nothing can be sent meanwhile: the composer says so, rather than a message "Sending…" for ever.
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __errors: Array<{ error: { code: string } }> }).__errors.map((e) => e.error.code)))
      .toContain('FORBIDDEN');
    expect(logger.lines.filter((line) => line.includes(stranger))).toEqual([
      expect.stringContaining(`add "${stranger}" to the allowedOrigins option`),
    ]);
  });
});

describe('the widget window at common sizes', () => {
  let site: Awaited<ReturnType<typeof startDemo>>;
  beforeAll(async () => {
    site = await startDemo({ connection: db, port: 0 });
    onCleanup(() => site.close());
    // A long history in the room first, which used to squeeze the form.
    for (let i = 1; i <= 80; i++) {
      await site.chat.store.appendMessage({
        room: 'lobby',
        sender: { id: 'v_history', name: 'Long History', role: 'visitor' },
        message: `Earlier message ${i} with enough words to take a line or two in the window`,
        clientId: `history-${i}`,
        timestamp: new Date(),
      });
    }
  });

  /** The Save button is on screen, inside the window, and the form does not scroll. */
  async function expectSaveShown(page: Page, label: string) {
    const save = page.getByRole('button', { name: 'Save details' });
    await expect(save).toBeVisible();
    const [button, panel] = await Promise.all([save.boundingBox(), page.getByRole('dialog').boundingBox()]);
    const viewport = page.viewportSize()!;
    expect(button, label).not.toBeNull();
    expect(button!.y, label).toBeGreaterThanOrEqual(panel!.y);
    expect(button!.y + button!.height, label).toBeLessThanOrEqual(Math.min(panel!.y + panel!.height, viewport.height));
    const scrolls = await widget(page).evaluate((element) => {
      const form = element.shadowRoot!.querySelector('form.details')!;
      return form.scrollHeight > form.clientHeight + 1;
    });
    expect(scrolls, label).toBe(false);
  }

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 1366, height: 768 },
    { width: 375, height: 667 },
  ]) {
    it(`shows the details form with its Save button, without scrolling, at ${viewport.width}×${viewport.height}`, async () => {
      const community = await openPage(browser, `${site.url}/community`, { viewport });
      await openWidget(community.page);
      await community.page.getByRole('button', { name: 'Add your details' }).click();
      await expectSaveShown(community.page, `/community ${viewport.width}×${viewport.height}`);

      // The support page asks first, and has an intro line above the log.
      const support = await openPage(browser, `${site.url}/support`, { viewport });
      await openWidget(support.page);
      await expectSaveShown(support.page, `/support ${viewport.width}×${viewport.height}`);
    });
  }

  it('labels the launcher and the close button differently while open, and keeps the heading on one line', async () => {
    // With someone of the team online the details are optional: the header holds "Add your details".
    await operatorSocket(site.url, 'alex');
    const { page } = await openPage(browser, `${site.url}/`);
    await openWidget(page);
    await expect(page.getByRole('button', { name: 'Hide chat' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Close chat' })).toHaveCount(1);
    await expect(page.getByRole('button', { name: 'Add your details' })).toBeVisible();
    const heading = await page.getByRole('heading', { name: 'Chat with Parley Outdoor' }).boundingBox();
    expect(heading!.height).toBeLessThan(30); // one line of 17px text
  });

  it('shows a disabled Send button clearly in the dark theme', async () => {
    const { page } = await openPage(browser, `${site.url}/support`);
    await openWidget(page);
    const send = page.getByRole('button', { name: 'Send' });
    await expect(send).toBeDisabled();
    const ratio = await send.evaluate((button) => {
      const channel = (value: number) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      const luminance = (color: string) => {
        const [r, g, b] = color.match(/\d+(\.\d+)?/g)!.map(Number);
        return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
      };
      const style = getComputedStyle(button);
      const [light, dark] = [luminance(style.color), luminance(style.backgroundColor)].sort((a, b) => b - a);
      return (light! + 0.05) / (dark! + 0.05);
    });
    expect(ratio).toBeGreaterThanOrEqual(4.5);
  });
});
