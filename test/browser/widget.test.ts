import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatError } from 'parley-chat';
import { startDemo } from '../../demo/app.js';
import { connectClient, connectMongo, onCleanup, request } from '../support/harness.js';
import { axeViolations, launchChromium, logTexts, openPage, openWidget, sendMessage, waitForConnected } from './browser.js';
import { operatorSocket } from './team.js';
import './locator-matchers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let browser: Browser;
let db: Connection;
let site: Awaited<ReturnType<typeof startDemo>>;

beforeAll(async () => {
  db = await connectMongo();
  site = await startDemo({ connection: db, port: 0 });
  onCleanup(() => site.close());
  browser = await launchChromium();
});

const widget = (page: Page) => page.locator('chat-widget');
const countStored = (text: string) => db.collection('chat_messages').countDocuments({ message: text });

/** The chat's URLs the page has requested so far (a polling connection would show as /chat/socket.io/). */
function chatRequests(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((entry) => new URL(entry.name).pathname)
      .filter((path) => path.startsWith('/chat/')),
  );
}

/** Records the widget's DOM events on `window.__chatEvents`. */
async function recordEvents(page: Page): Promise<void> {
  await page.evaluate(() => {
    const events: Array<{ type: string; detail: unknown; composed: boolean }> = [];
    (window as unknown as { __chatEvents: typeof events }).__chatEvents = events;
    for (const type of ['chat-open', 'chat-close', 'chat-message', 'chat-error', 'chat-details']) {
      document.addEventListener(type, (event) => {
        events.push({ type, detail: (event as CustomEvent).detail, composed: event.composed });
      });
    }
  });
}

function recordedEvents(page: Page): Promise<Array<{ type: string; detail: any; composed: boolean }>> {
  return page.evaluate(() => (window as unknown as { __chatEvents: [] }).__chatEvents);
}

describe('<chat-widget> in Chromium', () => {
  it('shows a message sent in one browser in the other, live, with pending then sent', async () => {
    const alice = await openPage(browser, `${site.url}/community`);
    const bob = await openPage(browser, `${site.url}/community`);
    await openWidget(alice.page);
    await openWidget(bob.page);
    await sendMessage(alice.page, 'Hello Bob, live from Alice');
    await expect.poll(() => logTexts(bob.page)).toContain('Hello Bob, live from Alice');
    const own = widget(alice.page).locator('[part~="message-own"]', { hasText: 'Hello Bob, live from Alice' });
    await expect.poll(() => own.innerText()).toContain('Sent');
    expect(await countStored('Hello Bob, live from Alice')).toBe(1);
    expect([...alice.problems, ...bob.problems]).toEqual([]);
  });

  it('loads the launcher only, connecting when opened; never steals focus; counts unread messages once closed', async () => {
    const reader = await openPage(browser, `${site.url}/community`);
    const writer = await openPage(browser, `${site.url}/community`);
    expect(await reader.page.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
    // Nothing but widget.js until the visitor shows interest: no chat window, no connection.
    await reader.page.waitForTimeout(500);
    expect(await chatRequests(reader.page)).toEqual(['/chat/widget.js']);
    // Pointing at the launcher fetches the window's code, still without connecting.
    await reader.page.getByRole('button', { name: 'Open chat' }).hover();
    await expect.poll(() => chatRequests(reader.page)).toEqual(['/chat/widget.js', '/chat/chat-panel.js']);
    await reader.page.waitForTimeout(300);
    expect(await chatRequests(reader.page)).toEqual(['/chat/widget.js', '/chat/chat-panel.js']);

    await openWidget(reader.page);
    await expect(reader.page.getByRole('textbox', { name: 'Message' })).toBeFocused();
    await reader.page.keyboard.press('Escape');
    await openWidget(writer.page);
    await sendMessage(writer.page, 'Are you there?');
    await expect(reader.page.getByRole('button', { name: 'Open chat, 1 unread message' })).toBeVisible();
    await reader.page.getByRole('button', { name: /Open chat/ }).click();
    await expect(reader.page.getByRole('button', { name: /unread/ })).toHaveCount(0);
  });

  it('shows per-field errors from the server, then saves the details', async () => {
    const { page } = await openPage(browser, `${site.url}/support`);
    await recordEvents(page);
    await openWidget(page);
    // collect-details="required": no message before the details.
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeDisabled();
    await page.getByRole('textbox', { name: 'Name' }).fill('Dana Field');
    await page.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
    await page.getByRole('textbox', { name: 'Phone (optional)' }).fill('12');
    await page.getByRole('button', { name: 'Save details' }).click();

    const email = page.getByRole('textbox', { name: 'Email' });
    await expect(email).toHaveAttribute('aria-invalid', 'true');
    await expect(email).toHaveAccessibleDescription(/valid email/i);
    await expect(page.getByRole('textbox', { name: 'Phone (optional)' })).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('textbox', { name: 'Name' })).toHaveAttribute('aria-invalid', 'false');
    await expect(email).toBeFocused();

    await email.fill('dana@example.com');
    await page.getByRole('textbox', { name: 'Phone (optional)' }).fill('+44 20 7946 0958');
    await page.getByRole('button', { name: 'Save details' }).click();
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled();
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
    const stored = await db.collection('chat_users').findOne({ email: 'dana@example.com' });
    expect(stored).toMatchObject({ name: 'Dana Field', phone: '+442079460958' });
    const events = await recordedEvents(page);
    expect(events.find((event) => event.type === 'chat-details')).toMatchObject({
      composed: true,
      detail: { user: { name: 'Dana Field', email: 'dana@example.com', phone: '+442079460958' } },
    });
  });

  it('keeps the visitor, their name and the history across a reload', async () => {
    const { page } = await openPage(browser, `${site.url}/community`);
    await openWidget(page);
    await page.getByRole('button', { name: 'Add your details' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Reload Rita');
    await page.getByRole('textbox', { name: 'Email' }).fill('rita@example.com');
    await page.getByRole('button', { name: 'Save details' }).click();
    await sendMessage(page, 'Written before the reload');
    await expect.poll(() => countStored('Written before the reload')).toBe(1);

    // The window was open: after the reload it still is.
    await page.reload();
    await expect(page.getByRole('dialog')).toBeVisible();
    await waitForConnected(page);
    const before = widget(page).locator('[part~="message-own"]', { hasText: 'Written before the reload' });
    await expect(before).toBeVisible();
    await expect(page.getByRole('button', { name: 'Your details' })).toBeVisible();
    const stored = await db.collection('chat_messages').findOne({ message: 'Written before the reload' });
    expect(stored?.sender).toEqual({ id: expect.stringMatching(/^v_/), name: 'Reload Rita', role: 'visitor' });
  });

  it('keeps messages sent offline and delivers them exactly once when back online', async () => {
    const sender = await openPage(browser, `${site.url}/community`);
    const receiver = await openPage(browser, `${site.url}/community`);
    await openWidget(sender.page);
    await openWidget(receiver.page);

    await sender.context.setOffline(true);
    await expect(widget(sender.page).locator('[part="status"]')).toHaveAttribute('data-status', 'offline');
    await sendMessage(sender.page, 'Sent while offline');
    const pending = widget(sender.page).locator('[part~="message-pending"]', { hasText: 'Sent while offline' });
    await expect(pending).toContainText('Sending');
    expect(await countStored('Sent while offline')).toBe(0);

    await sender.context.setOffline(false);
    await expect.poll(() => logTexts(receiver.page)).toContain('Sent while offline');
    await expect(pending).toHaveCount(0);
    await receiver.page.waitForTimeout(500);
    expect((await logTexts(receiver.page)).filter((text) => text === 'Sent while offline')).toHaveLength(1);
    expect((await logTexts(sender.page)).filter((text) => text === 'Sent while offline')).toHaveLength(1);
    expect(await countStored('Sent while offline')).toBe(1);
  });

  it('keeps the outbox across a reload and sends it once, and catches up on what it missed', async () => {
    const { context, page } = await openPage(browser, `${site.url}/community`);
    const other = await connectClient(site.url);
    await request(other, 'join', { room: 'lobby' });
    await openWidget(page);
    await context.setOffline(true);
    await expect(widget(page).locator('[part="status"]')).toHaveAttribute('data-status', 'offline');
    await sendMessage(page, 'Survives a reload');
    await request(other, 'message', { room: 'lobby', message: 'Missed while offline', clientId: 'missed-1' });
    await page.close();

    await context.setOffline(false);
    const again = await context.newPage();
    await again.goto(`${site.url}/community`);
    await waitForConnected(again);
    await openWidget(again);
    await expect.poll(() => countStored('Survives a reload')).toBe(1);
    await expect.poll(() => logTexts(again)).toContain('Survives a reload');
    const texts = await logTexts(again);
    expect(texts.filter((text) => text === 'Survives a reload')).toHaveLength(1);
    expect(texts).toContain('Missed while offline');
    expect(await countStored('Survives a reload')).toBe(1);
  });

  it('marks a refused message as not sent, reports chat-error, and sends it once on Retry', async () => {
    let refuse = true;
    const strict = await startDemo({
      connection: db,
      port: 0,
      chatOptions: {
        hooks: {
          beforeMessage: () => {
            if (refuse) throw new ChatError('FORBIDDEN', 'Messages are paused for a moment');
          },
        },
      },
    });
    onCleanup(() => strict.close());
    const { page } = await openPage(browser, `${strict.url}/community`);
    await recordEvents(page);
    await openWidget(page);
    await sendMessage(page, 'Refused at first');
    const failed = widget(page).locator('[part~="message-failed"]', { hasText: 'Refused at first' });
    await expect(failed).toContainText('Not sent: Messages are paused for a moment');
    const error = (await recordedEvents(page)).find((event) => event.type === 'chat-error');
    expect(error).toMatchObject({ composed: true, detail: { error: { code: 'FORBIDDEN' } } });
    expect(await countStored('Refused at first')).toBe(0);

    refuse = false;
    await failed.getByRole('button', { name: 'Retry' }).click();
    await expect(failed).toHaveCount(0);
    const sent = widget(page).locator('[part~="message-own"]', { hasText: 'Refused at first' });
    await expect(sent).toContainText('Sent');
    expect(await countStored('Refused at first')).toBe(1);
  });

  it('catches up after a reconnect with no gap and no duplicate', async () => {
    const watcher = await openPage(browser, `${site.url}/community`);
    await openWidget(watcher.page);
    const other = await connectClient(site.url);
    await request(other, 'join', { room: 'lobby' });
    await request(other, 'message', { room: 'lobby', message: 'Seen live', clientId: 'catch-1' });
    await expect.poll(() => logTexts(watcher.page)).toContain('Seen live');
    await watcher.context.setOffline(true);
    await expect(widget(watcher.page).locator('[part="status"]')).toHaveAttribute('data-status', 'offline');
    for (const [i, text] of ['Gap one', 'Gap two', 'Gap three'].entries()) {
      await request(other, 'message', { room: 'lobby', message: text, clientId: `catch-gap-${i}` });
    }
    await watcher.context.setOffline(false);
    await expect.poll(() => logTexts(watcher.page)).toContain('Gap three');
    const texts = await logTexts(watcher.page);
    const start = texts.indexOf('Seen live');
    expect(texts.slice(start)).toEqual(['Seen live', 'Gap one', 'Gap two', 'Gap three']);
  });

  it('renders hostile text inert: no element injection, no javascript: links', async () => {
    const attacker = await openPage(browser, `${site.url}/community`);
    const victim = await openPage(browser, `${site.url}/community`);
    await openWidget(attacker.page);
    await openWidget(victim.page);
    const payloads = [
      '<img src=x onerror="window.__pwned = 1">',
      'javascript:window.__pwned=2',
      'click <a href="javascript:window.__pwned=3">here</a>',
      'safe link https://example.com/page?a=1 and mailto:help@example.com',
    ];
    for (const payload of payloads) await sendMessage(attacker.page, payload);
    await expect.poll(() => logTexts(victim.page)).toContain(payloads[3]);

    const texts = await logTexts(victim.page);
    for (const payload of payloads) expect(texts).toContain(payload);
    const inside = await victim.page.evaluate(() => {
      const shadow = document.querySelector('chat-widget')!.shadowRoot!;
      return {
        images: shadow.querySelectorAll('.log img').length,
        hrefs: [...shadow.querySelectorAll('.log a')].map((a) => [a.getAttribute('href'), a.getAttribute('rel')]),
        pwned: (window as unknown as { __pwned?: number }).__pwned,
      };
    });
    expect(inside.images).toBe(0);
    expect(inside.pwned).toBeUndefined();
    expect(inside.hrefs).toEqual([
      ['https://example.com/page?a=1', 'noopener noreferrer nofollow'],
      ['mailto:help@example.com', 'noopener noreferrer nofollow'],
    ]);
  });

  it('works by keyboard alone: launcher, Enter and Shift+Enter, Escape back to the launcher', async () => {
    const { page } = await openPage(browser, `${site.url}/community`);
    await recordEvents(page);
    const launcher = page.getByRole('button', { name: 'Open chat' });
    for (let i = 0; i < 10 && !(await launcher.evaluate((el) => el.matches(':focus'))); i++) {
      await page.keyboard.press('Tab');
    }
    await expect(launcher).toBeFocused();
    await page.keyboard.press('Enter');
    const input = page.getByRole('textbox', { name: 'Message' });
    await expect(input).toBeFocused();
    await page.keyboard.type('first line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    await page.keyboard.press('Enter');
    await expect.poll(() => countStored('first line\nsecond line')).toBe(1);
    await expect(input).toHaveValue('');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toBeHidden();
    await expect(page.getByRole('button', { name: 'Open chat' })).toBeFocused();
    const types = (await recordedEvents(page)).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['chat-open', 'chat-message', 'chat-close']));
  });

  it('fills the details form by keyboard alone', async () => {
    const { page } = await openPage(browser, `${site.url}/support`);
    await page.getByRole('button', { name: 'Open chat' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('textbox', { name: 'Name' })).toBeFocused();
    await page.keyboard.type('Kim Keys');
    await page.keyboard.press('Tab');
    await page.keyboard.type('kim@example.com');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
    expect(await db.collection('chat_users').findOne({ email: 'kim@example.com' })).toMatchObject({ name: 'Kim Keys' });
  });

  it('loads older messages when the log is scrolled to the top', async () => {
    // Seeded through the server's store: 60 messages from one socket would meet the rate limit.
    for (let i = 1; i <= 60; i++) {
      await site.chat.store.appendMessage({
        room: 'lobby',
        sender: { id: 'v_seeder', name: 'Seeder', role: 'visitor' },
        message: `Old message ${i}`,
        clientId: `old-${i}`,
        timestamp: new Date(),
      });
    }
    const { page } = await openPage(browser, `${site.url}/community`);
    await openWidget(page);
    await expect.poll(async () => (await logTexts(page)).filter((t) => t.startsWith('Old message')).length).toBe(50);
    await widget(page).locator('[part="log"]').evaluate((log) => (log.scrollTop = 0));
    await expect.poll(async () => (await logTexts(page)).filter((t) => t.startsWith('Old message')).length).toBe(60);
    const texts = (await logTexts(page)).filter((t) => t.startsWith('Old message'));
    expect(texts[0]).toBe('Old message 1');
    expect(texts.at(-1)).toBe('Old message 60');
  });

  it('shows who is typing', async () => {
    const typist = await openPage(browser, `${site.url}/community`);
    const watcher = await openPage(browser, `${site.url}/community`);
    // Typing is volatile: dropped, by design, for a socket in the middle of its upgrade from polling to
    // WebSocket. The watcher connects first, so it is settled by the time the typist has connected.
    await openWidget(watcher.page);
    await openWidget(typist.page);
    await typist.page.getByRole('textbox', { name: 'Message' }).pressSequentially('hel');
    await expect(widget(watcher.page).locator('.typing')).toContainText(/Guest \d{4} is typing/);
  });

  it('takes the whole screen on a narrow viewport, without motion when reduced motion is asked for', async () => {
    const { page } = await openPage(browser, `${site.url}/community`, { viewport: { width: 375, height: 700 }, reducedMotion: 'reduce' });
    await openWidget(page);
    const box = await page.getByRole('dialog').boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 375, height: 700 });
    await expect(page.getByRole('textbox', { name: 'Message' })).toHaveCSS('font-size', '16px');
  });

  it('takes strings from lang, and styling from custom properties and parts', async () => {
    const { page } = await openPage(browser, `${site.url}/community`);
    await page.evaluate(() => {
      const element = document.querySelector('chat-widget')!;
      element.setAttribute('lang', 'es');
      if (!(element instanceof HTMLElement)) throw new Error('chat-widget is not an element');
      element.style.setProperty('--chat-accent', 'rgb(200, 0, 100)');
    });
    await expect(page.getByRole('button', { name: 'Abrir chat' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Abrir chat' })).toHaveCSS('background-color', 'rgb(200, 0, 100)');
    await page.evaluate(() => {
      (document.querySelector('chat-widget') as HTMLElement & { strings: object }).strings = { openChat: 'Talk to us' };
    });
    await expect(page.getByRole('button', { name: 'Talk to us' })).toBeVisible();

    // ::part() from the page's own stylesheet (a constructed one: the demo's CSP allows no inline style).
    await page.evaluate(() => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('chat-widget::part(launcher) { border-radius: 4px } chat-widget::part(send-button) { color: rgb(1, 2, 3) }');
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    });
    await expect(page.getByRole('button', { name: 'Talk to us' })).toHaveCSS('border-radius', '4px');
    await page.getByRole('button', { name: 'Talk to us' }).click();
    await expect(page.getByRole('button', { name: 'Enviar' })).toHaveCSS('color', 'rgb(1, 2, 3)');
  });

  it('has no serious accessibility violations, open, in light and dark themes', async () => {
    for (const path of ['/', '/support', '/community']) {
      const { page } = await openPage(browser, `${site.url}${path}`, { bypassCSP: true });
      await openWidget(page);
      const violations = await axeViolations(page);
      expect(violations, path).toEqual([]);
    }
  });

  it('runs under the strict CSP of the demo, and a screenshot of the open widget is saved', async () => {
    // A site of its own, so the picture shows one conversation rather than this file's traffic.
    const quiet = await startDemo({ connection: await connectMongo(), port: 0 });
    onCleanup(() => quiet.close());
    const { page, problems } = await openPage(browser, `${quiet.url}/`);
    const csp = (await page.request.get(`${quiet.url}/`)).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');

    // The team answers: Alex of the demo's team, from outside the browser.
    const alex = await operatorSocket(quiet.url, 'alex');
    await openWidget(page);
    await expect(widget(page).locator('[part="status"]')).toContainText('We typically reply in a few minutes');
    await sendMessage(page, 'Hi! Do you ship the trail tent to Norway?');
    await expect(widget(page).locator('[part~="message-own"]').last()).toContainText('Sent');
    const listed = await request(alex, 'inbox', {});
    const conversationId = listed.conversations[0].id;
    await request(alex, 'open', { conversationId });
    await request(alex, 'message', {
      conversationId,
      message: 'We do: 3–5 days, free over 100 €. Details: https://parley.example/shipping',
      clientId: 'screenshot-answer',
    });
    await expect.poll(() => logTexts(page)).toHaveLength(2);
    await expect(widget(page).locator('[part~="message-own"]').last()).toContainText('Seen');
    await page.getByRole('textbox', { name: 'Message' }).fill('Perfect, thank you!');
    mkdirSync(`${root}/test-results`, { recursive: true });
    await page.screenshot({ path: `${root}/test-results/widget-open.png` });
    // UPDATE_SCREENSHOT=1 npm test refreshes the picture in the README.
    if (process.env.UPDATE_SCREENSHOT) copyFileSync(`${root}/test-results/widget-open.png`, `${root}/docs/screenshot.png`);
    expect(problems).toEqual([]);
  });
});
