import { readFile } from 'node:fs/promises';
import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import type { VisitorExport } from 'parley-chat';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/app.js';
import { connectMongo, onCleanup } from '../support/harness.js';
import { axeViolations, launchChromium } from './browser.js';
import './locator-matchers.js';
import { inbox, openInbox, visitorAsks } from './team.js';

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

const conversationItem = (page: Page, name: string | RegExp) => page.getByRole('option', { name });
const thread = (page: Page) => inbox(page).locator('[part="log"]');
const announcement = (page: Page) => inbox(page).locator('[part="announcement"]');
const exportButton = (page: Page) => inbox(page).getByRole('button', { name: 'Export visitor data' });
const eraseButton = (page: Page) => inbox(page).getByRole('button', { name: 'Erase visitor' });

/** Opens the conversation of `name` and waits until its thread shows `text`. */
async function openConversation(page: Page, name: string, text: string): Promise<string> {
  await conversationItem(page, new RegExp(name)).click();
  await expect(thread(page)).toContainText(text);
  return (await conversationItem(page, new RegExp(name)).getAttribute('data-id'))!;
}

describe("<chat-inbox>'s privacy actions in Chromium, against the demo (Lee is granted can: ['privacy'])", () => {
  it('shows an operator without the permission neither action; Export downloads the visitor’s data as JSON', async () => {
    await visitorAsks(browser, site.url, 'My order number is 4711', 'Erin Export');
    const sam = await openInbox(browser, site.url, 'sam');
    await openConversation(sam.page, 'Erin Export', 'order number is 4711');
    await expect(inbox(sam.page).locator('[part="visitor"]')).toContainText('erinexport@example.com');
    await expect(exportButton(sam.page)).toHaveCount(0);
    await expect(eraseButton(sam.page)).toHaveCount(0);

    const lee = await openInbox(browser, site.url, 'lee');
    const conversationId = await openConversation(lee.page, 'Erin Export', 'order number is 4711');
    const [download] = await Promise.all([lee.page.waitForEvent('download'), exportButton(lee.page).click()]);
    expect(download.suggestedFilename()).toBe(`visitor-${conversationId}.json`);
    const json = await readFile((await download.path())!, 'utf8');
    // Pretty-printed, for a person to read.
    expect(json).toMatch(/^\{\n {2}"/);
    const exported = JSON.parse(json) as VisitorExport;
    expect(exported.user).toMatchObject({ name: 'Erin Export', email: 'erinexport@example.com' });
    const conversation = exported.conversations.find((candidate) => candidate.id === conversationId);
    expect(conversation?.messages.map((message) => message.message)).toContain('My order number is 4711');
    await expect(announcement(lee.page)).toHaveText(`Downloaded visitor-${conversationId}.json`);
    expect([...sam.problems, ...lee.problems]).toEqual([]);
  });

  it('asks before it erases: Cancel and Escape keep everything; Erase deletes the conversation from every inbox page', async () => {
    await visitorAsks(browser, site.url, 'Please forget me after this', 'Dora Delete');
    const lee = await openInbox(browser, site.url, 'lee');
    const alex = await openInbox(browser, site.url, 'alex');
    await openConversation(alex.page, 'Dora Delete', 'forget me');
    await openConversation(lee.page, 'Dora Delete', 'forget me');
    const dialog = lee.page.getByRole('dialog', { name: 'Erase Dora Delete?' });

    // Cancel: nothing happens, and focus is back where it was.
    await eraseButton(lee.page).click();
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('Dora Delete');
    await expect(dialog).toContainText('This cannot be undone.');
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    expect(await dialog.getByRole('radio', { name: 'Delete their conversations' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('radio', { name: 'Keep the conversations, anonymised' }).isChecked()).toBe(false);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(eraseButton(lee.page)).toBeFocused();

    // Escape: the same, and the conversation stays open under it.
    await eraseButton(lee.page).click();
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await lee.page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(eraseButton(lee.page)).toBeFocused();
    await expect(inbox(lee.page).locator('#thread-heading')).toHaveText('Dora Delete');
    await expect(thread(lee.page)).toContainText('forget me');
    await expect(announcement(lee.page)).toHaveText('');

    // Erase: gone from Lee's list and from Alex's, who had it open and is told.
    await eraseButton(lee.page).click();
    await dialog.getByRole('button', { name: 'Erase' }).click();
    await expect(announcement(lee.page)).toContainText(/^Erased: \d+ messages?, 1 conversation, \d+ files?$/);
    await expect(conversationItem(lee.page, /Dora Delete/)).toHaveCount(0);
    await expect(conversationItem(alex.page, /Dora Delete/)).toHaveCount(0);
    await expect(announcement(alex.page)).toHaveText('The conversation with Dora Delete was deleted.');
    await expect(inbox(alex.page).locator('[part="thread-pane"]')).toContainText('Choose a conversation to read it.');
    await expect(inbox(lee.page).locator('[part="thread-pane"]')).toContainText('Choose a conversation to read it.');
    // Focus was on Erase visitor, which went with the conversation: it is back in the list, not lost.
    const focusedRole = () => inbox(lee.page).evaluate((element) => element.shadowRoot!.activeElement?.getAttribute('role'));
    await expect.poll(focusedRole).toMatch(/^(option|tab)$/);
    expect([...lee.problems, ...alex.problems]).toEqual([]);
  });

  it('keeps the conversation when asked to anonymise: the visitor’s messages become "Message deleted" in their places', async () => {
    await visitorAsks(browser, site.url, 'My card number ends in 1234', 'Ann Anon');
    const alex = await openInbox(browser, site.url, 'alex');
    await openConversation(alex.page, 'Ann Anon', 'ends in 1234');
    await inbox(alex.page).getByRole('textbox', { name: 'Reply' }).fill('Thanks, Ann Anon: noted.');
    await inbox(alex.page).getByRole('textbox', { name: 'Reply' }).press('Enter');
    await expect(inbox(alex.page).locator('[part~="message-team"]', { hasText: 'noted.' })).toContainText('Seen');

    const lee = await openInbox(browser, site.url, 'lee');
    await openConversation(lee.page, 'Ann Anon', 'ends in 1234');
    await eraseButton(lee.page).click();
    const dialog = lee.page.getByRole('dialog', { name: 'Erase Ann Anon?' });
    await dialog.getByRole('radio', { name: 'Keep the conversations, anonymised' }).check();
    await dialog.getByRole('button', { name: 'Erase' }).click();
    await expect(announcement(lee.page)).toContainText(/^Erased: \d+ messages?, 1 conversation, \d+ files?$/);

    // Both operators, Alex live: the visitor's text is gone with its place kept, the reply is still
    // there without their name, and the visitor is nobody now.
    for (const page of [lee.page, alex.page]) {
      const rows = inbox(page).locator('[part~="message"]');
      await expect(inbox(page).locator('#thread-heading')).toHaveText('Erased visitor');
      await expect(rows.nth(0)).toContainText(/^Message deleted/);
      expect(await rows.nth(0).getAttribute('part')).toContain('message-erased');
      await expect(rows.nth(1)).toContainText('noted.');
      await expect(thread(page)).not.toContainText('1234');
      await expect(thread(page)).not.toContainText('Ann Anon');
      await expect(inbox(page).locator('[part="visitor"]')).not.toContainText('annanon@example.com');
      await expect(conversationItem(page, /^Erased visitor/)).toBeVisible();
    }
    expect([...lee.problems, ...alex.problems]).toEqual([]);
  });

  it('has no serious accessibility violations with the erase dialog open, in light and dark themes', async () => {
    await visitorAsks(browser, site.url, 'Accessibility of erasing', 'Ada Erase');
    for (const theme of ['light', 'dark']) {
      const lee = await openInbox(browser, site.url, 'lee', { bypassCSP: true });
      await inbox(lee.page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await openConversation(lee.page, 'Ada Erase', 'Accessibility of erasing');
      await eraseButton(lee.page).click();
      await expect(lee.page.getByRole('dialog', { name: 'Erase Ada Erase?' })).toBeVisible();
      expect(await axeViolations(lee.page), theme).toEqual([]);
      await lee.page.keyboard.press('Escape');
    }
  });
});
