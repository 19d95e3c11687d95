import { readFile } from 'node:fs/promises';
import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { io as connectSocket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/app.js';
import { connectMongo, onCleanup } from '../support/harness.js';
import { axeViolations, launchChromium, logTexts, openPage, openWidget, sendMessage, waitForConnected } from './browser.js';
import './locator-matchers.js';
import { operatorSocket } from './team.js';

// The visitor's side of privacy, in Chromium against the demo: consent to the chat's terms before
// the first message (kept across a reload, asked again for a new version), and the conversation's
// menu: its download as text, every page of it, and its deletion after a confirm step, which
// another tab of the same visitor follows. Each site keeps an operator online, so the shop's
// widget asks for no details before the first message.

const TERMS = 'We keep this chat for 90 days.\nRead our privacy policy at example.com/privacy.';
let browser: Browser;
let db: Connection;

type Demo = Awaited<ReturnType<typeof startDemo>>;

/**
 * The demo with `privacy` set, without its assistant, messages as fast as a test writes them, and
 * pages of 10, so a conversation of a few dozen messages has several.
 */
async function demoWith(privacy: object, port = 0): Promise<Demo> {
  const site = await startDemo({
    connection: db,
    port,
    chatOptions: { assistant: undefined, privacy, limits: { messageRate: { max: 200, perMs: 10_000 }, pageSize: 10 } },
  });
  onCleanup(() => site.close());
  return site;
}

/** `site` with an operator of the support inbox online, so visitors write at once. */
async function withTeamOnline(site: Demo): Promise<Demo> {
  await operatorSocket(site.url, 'alex');
  return site;
}

beforeAll(async () => {
  db = await connectMongo();
  browser = await launchChromium();
});

const widget = (page: Page) => page.locator('chat-widget');
const messageBox = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const consentBox = (page: Page) => widget(page).getByRole('checkbox', { name: 'I agree' });
const menuButton = (page: Page) => widget(page).getByRole('button', { name: 'Conversation options' });
const storedWith = (text: string) => db.collection('chat_messages').countDocuments({ message: text });

async function sendAndWait(page: Page, text: string): Promise<void> {
  await sendMessage(page, text);
  await expect(widget(page).locator('[part~="message-own"]', { hasText: text })).toContainText(/Sent|Seen/);
}

describe('consent in <chat-widget>', () => {
  it('shows the terms with a labelled checkbox; nothing is sent before it is checked, and a reload keeps it', async () => {
    const site = await withTeamOnline(await demoWith({ consent: { required: true, version: '2026-12', text: TERMS } }));
    const { page, problems } = await openPage(browser, `${site.url}/`);
    await openWidget(page);

    await expect(consentBox(page)).toBeVisible();
    await expect(consentBox(page)).toHaveAccessibleDescription(/We keep this chat for 90 days/);
    // Plain text: the terms' line break is kept, no markup is made of them.
    await expect(widget(page).locator('#consent-text')).toHaveText(TERMS);
    await expect(consentBox(page)).toBeFocused();
    // A draft may be begun; it cannot go.
    await messageBox(page).fill('Before agreeing');
    await messageBox(page).press('Enter');
    await expect(widget(page).getByRole('button', { name: 'Send' })).toBeDisabled();
    await expect(widget(page).locator('[part~="message-own"]')).toHaveCount(0);
    // The chat itself refuses this visitor's messages until then.
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('parley-chat:/chat:token') ?? 'null') as string);
    const sameVisitor = connectSocket(site.url, { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
    onCleanup(() => sameVisitor.disconnect());
    await new Promise((resolve) => sameVisitor.once('session', resolve));
    expect(await sameVisitor.timeout(5000).emitWithAck('join', { inbox: 'support' })).toMatchObject({ ok: true });
    const refused = await sameVisitor.timeout(5000).emitWithAck('message', { inbox: 'support', message: 'Before agreeing', clientId: 'before-agreeing' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONSENT_REQUIRED' } });
    expect(await storedWith('Before agreeing')).toBe(0);

    await consentBox(page).click();
    await expect(messageBox(page)).toBeFocused();
    await expect(consentBox(page)).toHaveCount(0);
    expect(await db.collection('chat_consents').countDocuments({ version: '2026-12' })).toBe(1);
    await messageBox(page).fill('');
    await sendAndWait(page, 'After agreeing');
    expect(await storedWith('After agreeing')).toBe(1);

    // The window stays open across the reload.
    await page.reload();
    await waitForConnected(page);
    await expect.poll(() => logTexts(page)).toContain('After agreeing');
    await expect(consentBox(page)).toHaveCount(0);
    await expect(messageBox(page)).toBeEnabled();
    expect(problems).toEqual([]);
  });

  it('keeps the details form disabled until the visitor agreed, when details come first', async () => {
    const site = await withTeamOnline(await demoWith({ consent: { required: true, version: '2026-12' } }));
    // The support page asks for details before the first message.
    const { page } = await openPage(browser, `${site.url}/support`);
    await openWidget(page);
    await expect(widget(page).locator('#consent-text')).toHaveText('Please agree to the chat’s terms before you write.');
    await expect(page.getByRole('textbox', { name: 'Name' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Save details' })).toBeDisabled();
    await consentBox(page).click();
    await expect(page.getByRole('textbox', { name: 'Name' })).toBeEnabled();
    await page.getByRole('textbox', { name: 'Name' }).fill('Noor Terms');
    await page.getByRole('textbox', { name: 'Email' }).fill('noor@example.com');
    await page.getByRole('button', { name: 'Save details' }).click();
    await expect(messageBox(page)).toBeEnabled();
    expect(await db.collection('chat_users').countDocuments({ email: 'noor@example.com' })).toBe(1);
  });

  it('asks again when the terms change', async () => {
    const first = await withTeamOnline(await demoWith({ consent: { required: true, version: 'v1', text: 'The first terms.' } }));
    const port = Number(new URL(first.url).port);
    const { page } = await openPage(browser, `${first.url}/`);
    await openWidget(page);
    await consentBox(page).click();
    await sendAndWait(page, 'Agreed to v1');

    // The site restarts on the same address with new terms: the widget reconnects as the same visitor.
    await first.close();
    const second = await withTeamOnline(await demoWith({ consent: { required: true, version: 'v2', text: 'The second terms.' } }, port));
    await expect(widget(page).locator('#consent-text')).toHaveText('The second terms.');
    await expect(widget(page).getByRole('button', { name: 'Send' })).toBeDisabled();
    await consentBox(page).click();
    await sendAndWait(page, 'Agreed to v2');
    expect(await db.collection('chat_consents').countDocuments({ version: 'v2' })).toBe(1);
    expect(second.url).toBe(first.url);
  });

  it('has no serious accessibility violations with the terms shown, in both themes', async () => {
    const site = await withTeamOnline(await demoWith({ consent: { required: true, version: '2026-12', text: TERMS } }));
    for (const theme of ['light', 'dark']) {
      const { page } = await openPage(browser, `${site.url}/`, { bypassCSP: true });
      await widget(page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await openWidget(page);
      await expect(consentBox(page)).toBeVisible();
      expect(await axeViolations(page), theme).toEqual([]);
    }
  });
});

describe("the conversation's menu in <chat-widget>", () => {
  let site: Demo;
  beforeAll(async () => {
    site = await withTeamOnline(await demoWith({ visitorsCanDeleteConversations: true }));
  });

  it('is a menu button: arrows move, Escape closes it (not the window) and gives focus back', async () => {
    const { page } = await openPage(browser, `${site.url}/`);
    await openWidget(page);
    await expect(menuButton(page)).toHaveAttribute('aria-expanded', 'false');
    await menuButton(page).click();
    const menu = widget(page).getByRole('menu', { name: 'Conversation options' });
    await expect(menu).toBeVisible();
    await expect(menuButton(page)).toHaveAttribute('aria-expanded', 'true');
    await expect(menu.getByRole('menuitem', { name: 'Download this conversation' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitem', { name: 'Delete this conversation' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitem', { name: 'Download this conversation' })).toBeFocused();
    await page.keyboard.press('End');
    await expect(menu.getByRole('menuitem', { name: 'Delete this conversation' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await expect(menuButton(page)).toBeFocused();
    await expect(page.getByRole('dialog')).toBeVisible();
  });

  it('downloads every message of the conversation as text, older pages included', async () => {
    const { page } = await openPage(browser, `${site.url}/`);
    await openWidget(page);
    // Several pages: after a reload the window shows the latest ones only.
    const texts = Array.from({ length: 36 }, (_, i) => `Line ${String(i + 1).padStart(2, '0')} of the transcript`);
    texts[4] = 'A message\nover two lines';
    for (const text of texts) await sendMessage(page, text);
    await expect(widget(page).locator('[part~="message-own"]', { hasText: texts.at(-1)! })).toContainText(/Sent|Seen/);
    await page.reload();
    await waitForConnected(page);
    await expect.poll(() => logTexts(page)).toContain(texts.at(-1));
    expect(await logTexts(page)).not.toContain(texts[0]);

    await menuButton(page).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      widget(page).getByRole('menuitem', { name: 'Download this conversation' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^conversation-\d{4}-\d{2}-\d{2}\.txt$/);
    const transcript = await readFile((await download.path())!, 'utf8');
    const lines = transcript.split('\n');
    expect(lines[0]).toBe('Chat with Parley Outdoor');
    for (const text of texts.filter((text) => !text.includes('\n'))) {
      expect(lines.filter((line) => /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}\] You: /.test(line) && line.endsWith(`You: ${text}`))).toHaveLength(1);
    }
    expect(transcript).toContain('You: A message\n    over two lines\n');
    // In the order they were written.
    expect(transcript.indexOf(texts[0]!)).toBeLessThan(transcript.indexOf(texts[35]!));
    await expect(widget(page).getByRole('status').filter({ hasText: 'Conversation downloaded.' })).toHaveCount(1);
  });

  it('deletes the conversation after a confirm step; another tab of the visitor empties too', async () => {
    const first = await openPage(browser, `${site.url}/`);
    const second = await first.context.newPage();
    await second.goto(`${site.url}/`);
    await openWidget(first.page);
    await openWidget(second);
    await sendAndWait(first.page, 'Please forget this');
    await expect.poll(() => logTexts(second)).toContain('Please forget this');

    await menuButton(first.page).click();
    await widget(first.page).getByRole('menuitem', { name: 'Delete this conversation' }).click();
    const confirm = widget(first.page).getByRole('alertdialog');
    await expect(confirm).toContainText('Delete this conversation? Its messages and files go for you and for the team.');
    await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toHaveCount(0);
    await expect(menuButton(first.page)).toBeFocused();
    expect(await logTexts(first.page)).toContain('Please forget this');

    await menuButton(first.page).click();
    await widget(first.page).getByRole('menuitem', { name: 'Delete this conversation' }).click();
    await widget(first.page).getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
    await expect(widget(first.page).getByRole('status').filter({ hasText: 'Conversation deleted.' })).toHaveCount(1);
    await expect.poll(() => logTexts(first.page)).toEqual([]);
    await expect(messageBox(first.page)).toBeFocused();
    await expect.poll(() => logTexts(second)).toEqual([]);
    expect(await storedWith('Please forget this')).toBe(0);

    // Writing again starts a new conversation, in both tabs.
    await sendAndWait(first.page, 'A fresh start');
    await expect.poll(() => logTexts(second)).toEqual(['A fresh start']);
    await expect(widget(first.page).getByRole('status').filter({ hasText: 'Conversation deleted.' })).toHaveCount(0);
  });

  it('offers no delete where the host does not allow it', async () => {
    const plain = await withTeamOnline(await demoWith({}));
    const { page } = await openPage(browser, `${plain.url}/`);
    await openWidget(page);
    await menuButton(page).click();
    await expect(widget(page).getByRole('menuitem')).toHaveCount(1);
    await expect(widget(page).getByRole('menuitem', { name: 'Download this conversation' })).toBeVisible();
  });

  it('has no serious accessibility violations with the menu open and the confirm step, in both themes', async () => {
    for (const theme of ['light', 'dark']) {
      const { page } = await openPage(browser, `${site.url}/`, { bypassCSP: true });
      await widget(page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await openWidget(page);
      await waitForConnected(page);
      await sendAndWait(page, `Accessible menu, ${theme}`);
      await menuButton(page).click();
      await expect(widget(page).getByRole('menu')).toBeVisible();
      expect(await axeViolations(page), `${theme}, menu`).toEqual([]);
      await widget(page).getByRole('menuitem', { name: 'Delete this conversation' }).click();
      await expect(widget(page).getByRole('alertdialog')).toBeVisible();
      expect(await axeViolations(page), `${theme}, confirm`).toEqual([]);
    }
  });
});

describe('erasure seen from <chat-widget>', () => {
  it("shows another visitor's erased messages as deleted, and the erased visitor starts over as someone new", async () => {
    const site = await demoWith({});
    const erased = await openPage(browser, `${site.url}/community`);
    const reader = await openPage(browser, `${site.url}/community`);
    await openWidget(erased.page);
    await openWidget(reader.page);
    await sendAndWait(erased.page, 'Forget me please');
    await expect.poll(() => logTexts(reader.page)).toContain('Forget me please');
    const tokenKey = 'parley-chat:/chat:token';
    const tokenBefore = await erased.page.evaluate((key) => localStorage.getItem(key), tokenKey);
    const stored = await db.collection('chat_messages').findOne({ message: 'Forget me please' });

    await site.chat.privacy.eraseVisitor(String(stored!.sender.id));

    // The reader keeps the message's place, without its words or its sender's name.
    const tombstone = widget(reader.page).locator('[part~="erased"]');
    await expect(tombstone).toHaveText('Message deleted');
    expect(await logTexts(reader.page)).not.toContain('Forget me please');
    // The erased visitor's page forgets them, and connects again as a new visitor.
    await expect.poll(() => logTexts(erased.page)).not.toContain('Forget me please');
    await expect.poll(() => erased.page.evaluate((key) => localStorage.getItem(key), tokenKey)).not.toBe(tokenBefore);
    await waitForConnected(erased.page);
    await sendAndWait(erased.page, 'Someone new');
    expect(erased.problems).toEqual([]);
  });
});
