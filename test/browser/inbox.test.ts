import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/app.js';
import { connectMongo, onCleanup } from '../support/harness.js';
import { axeViolations, launchChromium, logTexts, openPage, openWidget, sendMessage } from './browser.js';
import './locator-matchers.js';
import { inbox, openInbox, visitorAsks as askTeam } from './team.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let browser: Browser;
let db: Connection;
let site: Awaited<ReturnType<typeof startDemo>>;

beforeAll(async () => {
  db = await connectMongo();
  // The team's own flows: without the demo's assistant, which answers while nobody of the team is online.
  site = await startDemo({ connection: db, port: 0, chatOptions: { assistant: undefined } });
  onCleanup(() => site.close());
  browser = await launchChromium();
});

const widget = (page: Page) => page.locator('chat-widget');
const conversationItem = (page: Page, name: string | RegExp) => page.getByRole('option', { name });
const thread = (page: Page) => inbox(page).locator('[part="log"]');
const reply = (page: Page) => page.getByRole('textbox', { name: 'Reply' });

/** A visitor of the shop who said something to the team, with the name they gave. */
const visitorAsks = (text: string, name: string) => askTeam(browser, site.url, text, name);

describe('<chat-inbox> and <chat-widget inbox> in Chromium, against the demo', () => {
  it('a visitor and two operators: live, taken, replies both ways with typing, Seen, a note, resolved and reopened', async () => {
    const alex = await openInbox(browser, site.url, 'alex');
    const sam = await openInbox(browser, site.url, 'sam');
    const visitor = await visitorAsks('Does the down jacket come in green?', 'Vera Visitor');

    // Both operators see it live, with the unread total in the title.
    for (const operator of [alex, sam]) {
      await expect(conversationItem(operator.page, /Vera Visitor/)).toBeVisible();
      await expect.poll(() => operator.page.title()).toMatch(/^\(1\) /);
    }
    await expect(widget(visitor.page).locator('[part="status"]')).toContainText('We typically reply in a few minutes');

    // Alex takes it; Sam sees who has it.
    await conversationItem(alex.page, /Vera Visitor/).click();
    await conversationItem(sam.page, /Vera Visitor/).click();
    await inbox(alex.page).getByRole('button', { name: 'Take' }).click();
    await expect(inbox(alex.page).locator('[part="thread-header"]')).toContainText('Assigned to you');
    await expect(inbox(sam.page).locator('[part="thread-header"]')).toContainText('Assigned to Alex');
    // Opening it read it: the visitor's message is Seen, and the title count is gone.
    await expect(widget(visitor.page).locator('[part~="message-own"]', { hasText: 'green' })).toContainText('Seen');
    await expect.poll(() => alex.page.title()).not.toMatch(/^\(/);

    // Typing both ways, then replies with names.
    await visitor.page.getByRole('textbox', { name: 'Message' }).pressSequentially('and');
    await expect(inbox(alex.page).locator('.typing')).toContainText('Vera Visitor is typing');
    await reply(alex.page).pressSequentially('Yes');
    await expect(widget(visitor.page).locator('.typing')).toContainText('Alex is typing');
    await reply(alex.page).fill('Yes, in forest green, all sizes.');
    await reply(alex.page).press('Enter');
    const answer = widget(visitor.page).locator('[part~="message-team"]', { hasText: 'forest green' });
    await expect(answer).toContainText('Alex');
    // The visitor has the window open: they read it, and Alex sees Seen.
    await expect(inbox(alex.page).locator('[part~="message-team"]', { hasText: 'forest green' })).toContainText('Seen');
    await visitor.page.getByRole('textbox', { name: 'Message' }).fill('And in XL?');
    await visitor.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expect(thread(sam.page)).toContainText('And in XL?');

    // A note: Sam sees it, the visitor never does.
    await inbox(alex.page).getByRole('checkbox', { name: 'Note' }).check();
    await inbox(alex.page).getByRole('textbox', { name: 'Note for the team' }).fill('Check the XL stock in the warehouse');
    await inbox(alex.page).getByRole('textbox', { name: 'Note for the team' }).press('Enter');
    await expect(inbox(sam.page).locator('[part~="message-note"]')).toContainText('Check the XL stock');
    await inbox(alex.page).getByRole('checkbox', { name: 'Note' }).uncheck();
    await reply(alex.page).fill('XL too.');
    await reply(alex.page).press('Enter');
    await expect.poll(() => logTexts(visitor.page)).toContain('XL too.');
    expect((await logTexts(visitor.page)).join('\n')).not.toContain('warehouse');

    // Resolved: the visitor is told; writing again reopens it.
    await inbox(alex.page).getByRole('button', { name: 'Resolve' }).click();
    await expect(widget(visitor.page).locator('[part="notice"]')).toContainText('This conversation was resolved');
    await expect(inbox(alex.page).getByRole('button', { name: 'Reopen' })).toBeVisible();
    await sendMessage(visitor.page, 'One more question!');
    await expect(inbox(alex.page).getByRole('button', { name: 'Resolve' })).toBeVisible();
    await expect(widget(visitor.page).locator('[part="notice"]')).toHaveCount(0);
    expect([...alex.problems, ...sam.problems, ...visitor.problems]).toEqual([]);
  });

  it("says when the team is away and asks for details first; the badge counts the team's unread replies, across a reload", async () => {
    // A site of its own, where nobody of the team is signed in yet.
    const quiet = await startDemo({ connection: await connectMongo(), port: 0, chatOptions: { assistant: undefined } });
    onCleanup(() => quiet.close());
    const visitor = await openPage(browser, `${quiet.url}/`);
    await openWidget(visitor.page);
    await expect(widget(visitor.page).locator('[part="status"]')).toContainText("We're away — leave your email and we'll reply");
    await expect(visitor.page.getByRole('textbox', { name: 'Message' })).toBeDisabled();
    await visitor.page.getByRole('textbox', { name: 'Name' }).fill('Ana Away');
    await visitor.page.getByRole('textbox', { name: 'Email' }).fill('ana@example.com');
    await visitor.page.getByRole('button', { name: 'Save details' }).click();
    await sendMessage(visitor.page, 'Please write back when you are in');
    await visitor.page.getByRole('button', { name: 'Close chat' }).click();

    const alex = await openInbox(browser, quiet.url, 'alex');
    await expect(widget(visitor.page).locator('[part="status"]')).toContainText('We typically reply in a few minutes');
    await conversationItem(alex.page, /Ana Away/).click();
    for (const text of ['Good morning!', 'Your order ships today.']) {
      await reply(alex.page).fill(text);
      await reply(alex.page).press('Enter');
    }
    await expect(visitor.page.getByRole('button', { name: 'Open chat, 2 unread messages' })).toBeVisible();
    // With a conversation open, the next page connects at once, so the badge is there unopened.
    await visitor.page.reload();
    await expect(visitor.page.getByRole('button', { name: 'Open chat, 2 unread messages' })).toBeVisible();
    await expect(visitor.page.getByRole('dialog')).toBeHidden();
    await openWidget(visitor.page);
    await expect(visitor.page.getByRole('button', { name: /unread/ })).toHaveCount(0);
    await expect(inbox(alex.page).locator('[part~="message-team"]', { hasText: 'ships today' })).toContainText('Seen');
  });

  it("never shows a second visitor the first one's thread", async () => {
    await visitorAsks('My address is 12 Rose Lane, please deliver there', 'Private Pia');
    const second = await openPage(browser, `${site.url}/`);
    await openWidget(second.page);
    await expect(widget(second.page).locator('[part="log"]')).not.toContainText('Rose Lane');
    expect(await logTexts(second.page)).toEqual([]);
  });

  it('an operator who goes offline and comes back has everything, once, without a reload', async () => {
    const first = await visitorAsks('Before the operator went away', 'Olive Offline');
    const sam = await openInbox(browser, site.url, 'sam');
    await conversationItem(sam.page, /Olive Offline/).click();
    await expect(thread(sam.page)).toContainText('Before the operator went away');

    await sam.context.setOffline(true);
    await expect(inbox(sam.page).locator('[data-status="offline"]')).toHaveCount(1);
    await sendMessage(first.page, 'While Sam was offline');
    await visitorAsks('A new conversation meanwhile', 'Nora New');
    await sam.context.setOffline(false);

    await expect(thread(sam.page)).toContainText('While Sam was offline');
    await expect(conversationItem(sam.page, /Nora New/)).toBeVisible();
    const texts = await inbox(sam.page).locator('[part~="message"] .text').allInnerTexts();
    expect(texts.filter((text) => text === 'While Sam was offline')).toHaveLength(1);
    expect(texts.filter((text) => text === 'Before the operator went away')).toHaveLength(1);
  });

  it('works by keyboard alone: tabs, arrows through the list, Enter to open and reply, Escape back', async () => {
    await visitorAsks('Keyboard question one', 'Kai Keys');
    await visitorAsks('Keyboard question two', 'Kim Keys');
    const alex = await openInbox(browser, site.url, 'alex');
    await expect(alex.page.getByRole('option').nth(1)).toBeVisible();
    // Into the tabs, then the list: one tab stop each.
    await alex.page.getByRole('tab', { name: /Open/ }).focus();
    await alex.page.keyboard.press('ArrowLeft');
    await expect(alex.page.getByRole('tab', { name: /Unassigned/ })).toHaveAttribute('aria-selected', 'true');
    await alex.page.keyboard.press('ArrowRight');
    await expect(alex.page.getByRole('tab', { name: /Open/ })).toHaveAttribute('aria-selected', 'true');
    await expect(alex.page.getByRole('tab', { name: /Open/ })).toBeFocused();
    await alex.page.keyboard.press('Tab');
    // The list is one tab stop: focus lands on an option, and the arrows move through the rest.
    const focusedOption = () =>
      inbox(alex.page).evaluate((element) => {
        const active = element.shadowRoot!.activeElement;
        const options = [...element.shadowRoot!.querySelectorAll('[role="option"]')];
        return active?.getAttribute('role') === 'option' ? options.indexOf(active) : -1;
      });
    await expect.poll(focusedOption).toBe(0);
    await alex.page.keyboard.press('ArrowDown');
    await expect.poll(focusedOption).toBe(1);
    const second = alex.page.getByRole('option').nth(1);
    const name = (await second.getAttribute('aria-label'))!.split(',')[0]!;
    await alex.page.keyboard.press('Enter');
    await expect(reply(alex.page)).toBeFocused();
    await expect(inbox(alex.page).locator('#thread-heading')).toHaveText(name);
    await alex.page.keyboard.type('Answered by keyboard');
    await alex.page.keyboard.press('Shift+Enter');
    await alex.page.keyboard.type('on two lines');
    await alex.page.keyboard.press('Enter');
    await expect(thread(alex.page)).toContainText('Answered by keyboard\non two lines');
    await alex.page.keyboard.press('Escape');
    await expect(alex.page.getByRole('option', { name: new RegExp(`^${name}`) })).toBeFocused();
  });

  it('shows the list, then the thread, on a phone', async () => {
    await visitorAsks('From my phone', 'Pat Phone');
    const alex = await openInbox(browser, site.url, 'alex', { viewport: { width: 375, height: 700 } });
    await conversationItem(alex.page, /Pat Phone/).click();
    await expect(reply(alex.page)).toBeVisible();
    await expect(alex.page.getByRole('option').first()).toBeHidden();
    await inbox(alex.page).getByRole('button', { name: 'Back to conversations' }).click();
    await expect(conversationItem(alex.page, /Pat Phone/)).toBeVisible();
    await expect(reply(alex.page)).toBeHidden();
  });

  it('has no serious accessibility violations, in light and dark themes', async () => {
    await visitorAsks('Accessibility check', 'Ada Access');
    for (const theme of ['light', 'dark']) {
      const alex = await openInbox(browser, site.url, 'alex', { bypassCSP: true });
      await inbox(alex.page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await conversationItem(alex.page, /Ada Access/).click();
      await inbox(alex.page).getByRole('checkbox', { name: 'Note' }).check();
      const violations = await axeViolations(alex.page);
      expect(violations, theme).toEqual([]);
    }
  });

  it('runs under the demo\'s strict CSP, and a screenshot of the inbox with a conversation open is saved', async () => {
    // A site of its own, so the picture shows one calm conversation.
    const quiet = await startDemo({ connection: await connectMongo(), port: 0 });
    onCleanup(() => quiet.close());
    const alex = await openInbox(browser, quiet.url, 'alex', { viewport: { width: 1200, height: 720 } });
    const visitor = await openPage(browser, `${quiet.url}/`);
    await openWidget(visitor.page);
    await visitor.page.getByRole('button', { name: 'Add your details' }).click();
    await visitor.page.getByRole('textbox', { name: 'Name' }).fill('Noor Haddad');
    await visitor.page.getByRole('textbox', { name: 'Email' }).fill('noor@example.com');
    await visitor.page.getByRole('button', { name: 'Save details' }).click();
    await sendMessage(visitor.page, 'Hi! Will the trail tent fit two people with backpacks?');
    const other = await openPage(browser, `${quiet.url}/`);
    await openWidget(other.page);
    await sendMessage(other.page, 'Do you ship to Norway?');

    await conversationItem(alex.page, /Noor Haddad/).click();
    await inbox(alex.page).getByRole('button', { name: 'Take' }).click();
    await reply(alex.page).fill('It does: the vestibules hold a 50 l pack each.');
    await reply(alex.page).press('Enter');
    await expect(thread(alex.page)).toContainText('Seen');
    await reply(alex.page).fill('Anything else I can help with?');
    mkdirSync(`${root}/test-results`, { recursive: true });
    await alex.page.screenshot({ path: `${root}/test-results/inbox-open.png` });
    // UPDATE_SCREENSHOT=1 npm test refreshes the picture in the README.
    if (process.env.UPDATE_SCREENSHOT) copyFileSync(`${root}/test-results/inbox-open.png`, `${root}/docs/inbox.png`);
    expect([...alex.problems, ...visitor.problems, ...other.problems]).toEqual([]);
  });
});
