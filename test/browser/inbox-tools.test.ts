import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { VisitorConversation } from 'parley-chat';
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
  // The team's own flows, without the demo's assistant; visitors are asked to rate each resolution,
  // and a conversation opens at its last 10 messages, so a search can find one further back.
  site = await startDemo({
    connection: db,
    port: 0,
    chatOptions: { assistant: undefined, ratings: { enabled: true }, limits: { pageSize: 10 } },
  });
  onCleanup(() => site.close());
  browser = await launchChromium();
  await site.chat.replies.save({ shortcut: 'thanks', text: 'Thanks for waiting, {{visitor.name}}! {{operator.name}} here.' });
  await site.chat.replies.save({ shortcut: 'hours', text: 'We answer from 9 to 5, Monday to Friday.' });
});

const conversationItem = (page: Page, name: string | RegExp) => inbox(page).getByRole('option', { name });
const thread = (page: Page) => inbox(page).locator('[part="log"]');
/** The composer's textarea: a textbox, and a combobox while the saved replies' list is open. */
const composer = (page: Page) => inbox(page).locator('#reply-input');
const picker = (page: Page) => inbox(page).getByRole('listbox', { name: 'Saved replies' });
const repliesDialog = (page: Page) => page.getByRole('dialog', { name: 'Saved replies' });
/** The shortcuts the `/` list offers, in order. */
const offered = (page: Page) => picker(page).locator('[role="option"] .shortcut').allInnerTexts();

async function openConversation(page: Page, name: string, text: string): Promise<void> {
  await conversationItem(page, new RegExp(name)).click();
  await expect(thread(page)).toContainText(text);
}

/** A visitor outside the browser, with a name, who wrote `text` to the support inbox. */
async function visitorSocket(name: string, text: string): Promise<{ socket: Socket; conversationId: string; conversations: VisitorConversation[] }> {
  const socket = connectSocket(site.url, { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
  onCleanup(() => socket.disconnect());
  await new Promise((resolve) => socket.once('session', resolve));
  const conversations: VisitorConversation[] = [];
  socket.on('conversation', (conversation: VisitorConversation) => conversations.push(conversation));
  const email = `${name.toLowerCase().replace(/\W/g, '')}@example.com`;
  expect(await socket.timeout(5000).emitWithAck('userDetails', { name, email })).toMatchObject({ ok: true });
  expect(await socket.timeout(5000).emitWithAck('join', { inbox: 'support' })).toMatchObject({ ok: true });
  const sent = await socket.timeout(5000).emitWithAck('message', { inbox: 'support', message: text, clientId: `first-${email.replace(/\W/g, '-')}` });
  expect(sent, JSON.stringify(sent)).toMatchObject({ ok: true });
  return { socket, conversationId: sent.conversation.id, conversations };
}

async function openRepliesDialog(page: Page): Promise<void> {
  await inbox(page).getByRole('button', { name: 'Saved replies' }).click();
  await expect(repliesDialog(page)).toBeVisible();
  await expect(repliesDialog(page).getByText('/thanks')).toBeVisible();
}

describe("<chat-inbox>'s saved replies, search and ratings in Chromium, against the demo (Lee is granted can: ['replies'])", () => {
  it('opens the saved replies with / and inserts one by keyboard, the names filled in; Escape closes the list only', async () => {
    await visitorAsks(browser, site.url, 'Is anyone there?', 'Pia Picker');
    const alex = await openInbox(browser, site.url, 'alex');
    await openConversation(alex.page, 'Pia Picker', 'anyone there');

    await composer(alex.page).click();
    await composer(alex.page).pressSequentially('Sorry. /');
    await expect(picker(alex.page)).toBeVisible();
    // Both of the team's replies, by shortcut; the textarea is the combobox that owns them.
    await expect.poll(() => offered(alex.page)).toEqual(['/hours', '/thanks']);
    await expect(composer(alex.page)).toHaveAttribute('role', 'combobox');
    await expect(composer(alex.page)).toHaveAttribute('aria-expanded', 'true');
    await expect(composer(alex.page)).toHaveAttribute('aria-controls', 'reply-picker');
    // Narrowed as they type: by shortcut, and by text.
    await composer(alex.page).pressSequentially('th');
    await expect.poll(() => offered(alex.page)).toEqual(['/thanks']);
    await composer(alex.page).press('Backspace');
    await composer(alex.page).press('Backspace');
    await composer(alex.page).pressSequentially('monday');
    await expect.poll(() => offered(alex.page)).toEqual(['/hours']);
    await composer(alex.page).press('Escape');
    await expect(picker(alex.page)).toBeHidden();
    await expect.poll(() => composer(alex.page).getAttribute('aria-expanded')).toBeNull();
    // Escape closed the list, not the conversation.
    await expect(inbox(alex.page).locator('#thread-heading')).toHaveText('Pia Picker');
    await expect(composer(alex.page)).toHaveValue('Sorry. /monday');

    // A new / opens it again; the arrows move, Enter inserts in place of /query.
    await composer(alex.page).fill('Sorry. ');
    await composer(alex.page).press('End');
    await composer(alex.page).pressSequentially('/');
    await expect(picker(alex.page).getByRole('option')).toHaveCount(2);
    const active = () => composer(alex.page).getAttribute('aria-activedescendant');
    const selected = picker(alex.page).locator('[aria-selected="true"]');
    const selectedShortcut = selected.locator('.shortcut');
    await expect(selectedShortcut).toHaveText('/hours');
    await composer(alex.page).press('ArrowDown');
    await expect(selectedShortcut).toHaveText('/thanks');
    expect(await active()).toBe(await selected.getAttribute('id'));
    await composer(alex.page).press('ArrowDown');
    await expect(selectedShortcut).toHaveText('/hours');
    await composer(alex.page).press('ArrowUp');
    await expect(selectedShortcut).toHaveText('/thanks');
    await composer(alex.page).press('Enter');
    await expect(picker(alex.page)).toBeHidden();
    await expect(composer(alex.page)).toHaveValue('Sorry. Thanks for waiting, Pia Picker! Alex here.');
    await expect(composer(alex.page)).toBeFocused();
    // Back to the plain textbox; Enter now sends.
    await expect(inbox(alex.page).getByRole('textbox', { name: 'Reply' })).toBeVisible();
    await composer(alex.page).press('Enter');
    await expect(inbox(alex.page).locator('[part~="message-team"]', { hasText: 'Thanks for waiting, Pia Picker! Alex here.' })).toBeVisible();
    await expect(composer(alex.page)).toHaveValue('');

    // A slash inside a word is text, not a shortcut.
    await composer(alex.page).pressSequentially('and/or');
    await expect(picker(alex.page)).toBeHidden();
    expect(alex.problems).toEqual([]);
  });

  it('lets an operator manage their own replies, and shows them the team’s read only; server refusals sit by the fields', async () => {
    await visitorAsks(browser, site.url, 'Hello, a question', 'Mo Manage');
    const alex = await openInbox(browser, site.url, 'alex');
    await openRepliesDialog(alex.page);
    const dialog = repliesDialog(alex.page);
    // The team's replies, which Alex may not change.
    await expect(dialog).toContainText('Only team leads change these.');
    await expect(dialog.getByRole('button', { name: 'Edit /thanks' })).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: 'Remove /thanks' })).toHaveCount(0);
    // Alex's replies are Alex's own: no choice of scope.
    await expect(dialog.getByLabel('Who uses it')).toHaveCount(0);

    const shortcut = dialog.getByRole('textbox', { name: 'Shortcut' });
    const text = dialog.getByRole('textbox', { name: 'Text' });
    await expect(shortcut).toBeFocused();
    await shortcut.fill('bye');
    await text.fill('Bye {{visitor.name}}, have a good day!');
    await dialog.getByRole('button', { name: 'Add reply' }).click();
    await expect(dialog.getByRole('status')).toHaveText('Saved /bye');
    await expect(dialog.locator('.reply-row', { hasText: '/bye' })).toContainText('have a good day');

    // The same shortcut again: CONFLICT, beside the shortcut.
    await shortcut.fill('bye');
    await text.fill('Another farewell');
    await dialog.getByRole('button', { name: 'Add reply' }).click();
    await expect(shortcut).toHaveAttribute('aria-invalid', 'true');
    await expect(shortcut).toHaveAccessibleDescription(/already a saved reply \/bye/);
    await expect(shortcut).toBeFocused();
    // A shortcut with spaces: VALIDATION, beside the shortcut.
    await shortcut.fill('Good bye');
    await dialog.getByRole('button', { name: 'Add reply' }).click();
    await expect(shortcut).toHaveAttribute('aria-invalid', 'true');
    await expect.poll(() => dialog.locator('#reply-shortcut-error').innerText()).not.toBe('');

    // Edit, then remove.
    await dialog.getByRole('button', { name: 'Edit /bye' }).click();
    await expect(dialog.getByRole('heading', { name: 'Editing /bye' })).toBeVisible();
    await expect(shortcut).toHaveValue('bye');
    await text.fill('Goodbye {{visitor.name}}!');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog.getByRole('status')).toHaveText('Saved /bye');
    await expect(dialog.locator('.reply-row', { hasText: '/bye' })).toContainText('Goodbye {{visitor.name}}!');

    // In the composer at once, filled in.
    await alex.page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(inbox(alex.page).getByRole('button', { name: 'Saved replies' })).toBeFocused();
    await openConversation(alex.page, 'Mo Manage', 'a question');
    await composer(alex.page).click();
    await composer(alex.page).pressSequentially('/by');
    await expect.poll(() => offered(alex.page)).toEqual(['/bye']);
    await expect(picker(alex.page).getByRole('option')).toContainText('Goodbye Mo Manage!');
    await composer(alex.page).press('Escape');

    await openRepliesDialog(alex.page);
    await dialog.getByRole('button', { name: 'Remove /bye' }).click();
    await expect(dialog.getByRole('status')).toHaveText('Removed /bye');
    await expect(dialog.locator('.reply-row', { hasText: '/bye' })).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
    expect(alex.problems).toEqual([]);
  });

  it("lets an operator with can: ['replies'] add a team reply for one inbox, which the others use and cannot change", async () => {
    await visitorAsks(browser, site.url, 'I want my money back', 'Rory Refund');
    const lee = await openInbox(browser, site.url, 'lee');
    await openRepliesDialog(lee.page);
    const dialog = repliesDialog(lee.page);
    await expect(dialog).not.toContainText('Only team leads change these.');
    await expect(dialog.getByRole('button', { name: 'Edit /thanks' })).toBeVisible();
    await dialog.getByRole('textbox', { name: 'Shortcut' }).fill('refund');
    await dialog.getByRole('textbox', { name: 'Text' }).fill('{{visitor.name}}, refunds take 5 working days.');
    await dialog.getByLabel('Who uses it').selectOption({ label: 'The team, in support' });
    await dialog.getByRole('button', { name: 'Add reply' }).click();
    await expect(dialog.getByRole('status')).toHaveText('Saved /refund');
    await expect(dialog.locator('.reply-row', { hasText: '/refund' })).toContainText('The team, in support');

    const alex = await openInbox(browser, site.url, 'alex');
    await openRepliesDialog(alex.page);
    await expect(repliesDialog(alex.page).locator('.reply-row', { hasText: '/refund' })).toBeVisible();
    await expect(repliesDialog(alex.page).getByRole('button', { name: 'Edit /refund' })).toHaveCount(0);
    await alex.page.keyboard.press('Escape');
    await openConversation(alex.page, 'Rory Refund', 'money back');
    await composer(alex.page).click();
    await composer(alex.page).pressSequentially('/ref');
    await composer(alex.page).press('Enter');
    await expect(composer(alex.page)).toHaveValue('Rory Refund, refunds take 5 working days.');
    expect([...lee.problems, ...alex.problems]).toEqual([]);
  });

  it('finds a conversation by a message far back in it, and opens it at that message; Escape returns to the list', async () => {
    const { conversationId } = await visitorSocket('Sid Search', 'Where is my parcel? The tracking code is QX7741.');
    for (let i = 1; i <= 25; i++) {
      await site.chat.conversations.send(conversationId, { message: `Update number ${i}`, clientId: `update-${i}`, as: { id: 'bot', name: 'Bot' } });
    }
    const alex = await openInbox(browser, site.url, 'alex');
    const search = inbox(alex.page).getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('tracking');
    await search.press('Enter');
    const results = inbox(alex.page).getByRole('region', { name: 'Search results' });
    await expect(results.getByRole('status')).toHaveText('1 conversation found');
    const hit = results.getByRole('button', { name: /Sid Search/ });
    await expect(hit).toContainText('Where is my parcel? The tracking code is QX7741.');
    // The match is marked, as text.
    expect(await hit.locator('mark').allInnerTexts()).toEqual(['tracking']);
    await expect(inbox(alex.page).getByRole('tablist')).toHaveCount(0);

    await hit.click();
    const found = thread(alex.page).locator('.message.found');
    await expect(found).toContainText('The tracking code is QX7741.');
    const inView = () =>
      found.evaluate((element) => {
        const shown = element.getBoundingClientRect();
        const log = element.closest('.log')!.getBoundingClientRect();
        return shown.top >= log.top && shown.bottom <= log.bottom;
      });
    await expect.poll(inView).toBe(true);
    await expect(found).toBeFocused();
    // The latest page came first, and the older one with the match after it.
    await expect(thread(alex.page)).toContainText('Update number 25');

    // Escape in the thread goes back to the hits; Escape there back to the list.
    await alex.page.keyboard.press('Escape');
    await expect(hit).toBeFocused();
    await alex.page.keyboard.press('Escape');
    await expect(results).toHaveCount(0);
    await expect(inbox(alex.page).getByRole('tablist')).toBeVisible();
    await expect(search).toHaveValue('');
    await expect(search).toBeFocused();
    expect(alex.problems).toEqual([]);
  });

  it('pages the hits with Load more, keeping one per conversation, and filters by status', async () => {
    for (let i = 1; i <= 22; i++) await visitorSocket(`Paula Page ${i}`, `Paging question about the kettle, number ${i}`);
    const alex = await openInbox(browser, site.url, 'alex');
    const search = inbox(alex.page).getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('kettle');
    await search.press('Enter');
    const results = inbox(alex.page).getByRole('region', { name: 'Search results' });
    await expect(results.getByRole('status')).toHaveText('20+ conversations found');
    await results.getByRole('button', { name: 'Load more' }).click();
    await expect(results.getByRole('status')).toHaveText('22 conversations found');
    await expect(results.getByRole('button', { name: /Paula Page/ })).toHaveCount(22);
    await inbox(alex.page).getByRole('group', { name: 'Status' }).getByRole('radio', { name: 'Resolved' }).check();
    await expect(results.getByRole('status')).toHaveText('Nothing found.');
    expect(alex.problems).toEqual([]);
  });

  it('shows the visitor’s rating in the thread’s header and the list, after they rate the resolution', async () => {
    const { socket, conversations } = await visitorSocket('Rita Rater', 'Can I change my delivery address?');
    const alex = await openInbox(browser, site.url, 'alex');
    await openConversation(alex.page, 'Rita Rater', 'delivery address');
    await inbox(alex.page).getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => conversations.at(-1)?.rating?.asked).toBe(true);

    const rated = await socket.timeout(5000).emitWithAck('rate', { inbox: 'support', score: 4, comment: 'Quick and kind' });
    expect(rated).toMatchObject({ ok: true });
    const header = inbox(alex.page).locator('[part="thread-header"]');
    await expect(header.getByRole('img', { name: 'Rated 4 out of 5' })).toContainText('4/5');
    await expect(inbox(alex.page).locator('[part="rating"]')).toContainText('Quick and kind');
    await inbox(alex.page).getByRole('tab', { name: /Resolved/ }).click();
    await expect(conversationItem(alex.page, /Rita Rater.*Rated 4 out of 5/)).toBeVisible();
    await expect(conversationItem(alex.page, /Rita Rater/).locator('[part="rating-badge"]')).toHaveText('★ 4/5');
    expect(alex.problems).toEqual([]);
  });

  it('resolves without asking for a rating', async () => {
    const { socket, conversations } = await visitorSocket('Nina Norate', 'Just a quick thank you');
    const alex = await openInbox(browser, site.url, 'alex');
    await openConversation(alex.page, 'Nina Norate', 'quick thank you');
    await inbox(alex.page).getByRole('button', { name: 'Resolve without rating' }).click();
    await expect(inbox(alex.page).getByRole('button', { name: 'Reopen' })).toBeVisible();
    await expect(inbox(alex.page).getByRole('button', { name: 'Resolve without rating' })).toHaveCount(0);
    await expect.poll(() => conversations.at(-1)?.status).toBe('resolved');
    expect(conversations.at(-1)?.rating).toBeUndefined();
    const refused = await socket.timeout(5000).emitWithAck('rate', { inbox: 'support', score: 5 });
    expect(refused).toMatchObject({ ok: false });
    expect(alex.problems).toEqual([]);
  });

  it('has no serious accessibility violations with the / list, the saved replies’ dialog and search results, in light and dark themes', async () => {
    await visitorAsks(browser, site.url, 'Accessibility of the tools', 'Ada Tools');
    for (const theme of ['light', 'dark']) {
      const lee = await openInbox(browser, site.url, 'lee', { bypassCSP: true });
      await inbox(lee.page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await openConversation(lee.page, 'Ada Tools', 'Accessibility of the tools');
      await composer(lee.page).click();
      await composer(lee.page).pressSequentially('/');
      await expect(picker(lee.page)).toBeVisible();
      expect(await axeViolations(lee.page), `${theme}: the / list`).toEqual([]);
      await composer(lee.page).press('Escape');

      await openRepliesDialog(lee.page);
      expect(await axeViolations(lee.page), `${theme}: the saved replies' dialog`).toEqual([]);
      await lee.page.keyboard.press('Escape');

      const search = inbox(lee.page).getByRole('searchbox', { name: 'Search conversations' });
      await search.fill('tools');
      await search.press('Enter');
      await expect(inbox(lee.page).getByRole('button', { name: /Ada Tools/ })).toBeVisible();
      expect(await axeViolations(lee.page), `${theme}: search results`).toEqual([]);
    }
  });
});
