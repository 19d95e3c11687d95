import type { Connection } from 'mongoose';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/app.js';
import type { OperatorClient } from '../support/operators.js';
import { connectMongo, onCleanup } from '../support/harness.js';
import { axeViolations, launchChromium, openPage, openWidget, sendMessage, waitForConnected, type WidgetPage } from './browser.js';
import './locator-matchers.js';
import { operatorSocket } from './team.js';

// The rating a visitor is asked for when the team resolves their conversation, in Chromium against
// the demo with `ratings` on: the question with five stars (a radio group), a comment and Send,
// from chat-rating.js, which the window loads only once a conversation asks for a rating. An
// operator of the support inbox stays online (over a socket), so visitors write at once and the
// operator resolves their conversations.

const ASK = 'Did we solve your problem?';
let browser: Browser;
let db: Connection;
let site: Awaited<ReturnType<typeof startDemo>>;
let alex: OperatorClient;

beforeAll(async () => {
  db = await connectMongo();
  browser = await launchChromium();
  site = await startDemo({ connection: db, port: 0, chatOptions: { assistant: undefined, ratings: { enabled: true, ask: ASK } } });
  onCleanup(() => site.close());
  alex = await operatorSocket(site.url, 'alex');
});

const widget = (page: Page) => page.locator('chat-widget');
const question = (page: Page) => widget(page).getByRole('group', { name: ASK });
const star = (page: Page, label: string) => widget(page).getByRole('radio', { name: label });
const comment = (page: Page) => widget(page).getByRole('textbox', { name: 'Comment (optional)' });
const sendRating = (page: Page) => widget(page).getByRole('button', { name: 'Send rating' });
const thanks = (page: Page) => widget(page).locator('[part="rating-thanks"]');
const resolvedNotice = (page: Page) => widget(page).getByText('This conversation was resolved.', { exact: false });

/** A new visitor who wrote `text` to the team, with the id of their conversation and the files the page asked for. */
async function visitorWrites(text: string, options: BrowserContextOptions = {}, theme?: string): Promise<WidgetPage & { id: string; requested: string[] }> {
  const opened = await openPage(browser, `${site.url}/`, options);
  const requested: string[] = [];
  opened.page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  if (theme) await widget(opened.page).evaluate((element, value) => element.setAttribute('theme', value), theme);
  await openWidget(opened.page);
  await sendMessage(opened.page, text);
  await expect(widget(opened.page).locator('[part~="message-own"]', { hasText: text })).toContainText(/Sent|Seen/);
  let id: string | undefined;
  await expect
    .poll(async () => {
      const { conversations } = await site.chat.conversations.list({ inbox: 'support' });
      id = conversations.find((conversation) => conversation.lastMessage?.message === text)?.id;
      return id;
    })
    .toBeDefined();
  return { ...opened, id: id!, requested };
}

async function resolve(conversationId: string, skipRating?: boolean): Promise<void> {
  const ack = await alex.timeout(5000).emitWithAck('status', { conversationId, status: 'resolved', ...(skipRating ? { skipRating } : {}) });
  expect(ack).toMatchObject({ ok: true });
}

/** The rating the team sees, as `open` gives it to an operator. */
async function ratingOf(conversationId: string) {
  const ack = await alex.timeout(5000).emitWithAck('open', { conversationId });
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.conversation.rating;
}

describe('the rating prompt in <chat-widget>', () => {
  it('asks once the conversation is resolved; a score chosen by keyboard and a comment are stored, and then it thanks', async () => {
    const { page, problems, id } = await visitorWrites('Where is my parcel?');
    await resolve(id);
    await expect(question(page)).toBeVisible();
    await expect(resolvedNotice(page)).toBeVisible();
    await expect(sendRating(page)).toBeDisabled();
    // Not one of the scores is chosen until the visitor chooses.
    for (const label of ['1 of 5, very bad', '2 of 5, bad', '3 of 5, okay', '4 of 5, good', '5 of 5, very good']) {
      await expect.poll(() => star(page, label).isChecked()).toBe(false);
    }

    // A radio group: Space chooses, the arrows move the choice.
    await star(page, '1 of 5, very bad').focus();
    await page.keyboard.press('Space');
    await expect.poll(() => star(page, '1 of 5, very bad').isChecked()).toBe(true);
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => star(page, '5 of 5, very good').isChecked()).toBe(true);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => star(page, '4 of 5, good').isChecked()).toBe(true);
    await expect(star(page, '4 of 5, good')).toBeFocused();
    await expect(widget(page).locator('.rating-choice')).toHaveText('4 of 5, good');
    await expect(widget(page).locator('[part="rating-score"].on')).toHaveCount(4);

    await page.keyboard.press('Tab');
    await expect(comment(page)).toBeFocused();
    await page.keyboard.type('Quick and kind.');
    await page.keyboard.press('Tab');
    await expect(sendRating(page)).toBeFocused();
    await page.keyboard.press('Enter');

    await expect(thanks(page)).toHaveText('Thank you for your rating.');
    await expect(thanks(page)).toHaveAttribute('role', 'status');
    await expect(question(page)).toHaveCount(0);
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
    expect(await ratingOf(id)).toMatchObject({ score: 4, comment: 'Quick and kind.' });
    expect((await site.chat.conversations.get(id))?.conversation.rating).toMatchObject({ score: 4, comment: 'Quick and kind.' });

    // Answered: a reload does not ask again.
    await page.reload();
    await waitForConnected(page);
    await expect(resolvedNotice(page)).toBeVisible();
    // The piece has loaded (the conversation has a rating), and shows nothing.
    await thanks(page).waitFor({ state: 'attached' });
    await expect(question(page)).toHaveCount(0);
    await expect(thanks(page)).toHaveText('');
    expect(problems).toEqual([]);
  }, 60_000);

  it('asks again after a reload until it is answered, and a rating without a comment is taken', async () => {
    const { page, problems, id } = await visitorWrites('Can I change my order?');
    await resolve(id);
    await expect(question(page)).toBeVisible();
    await page.reload();
    await waitForConnected(page);
    await expect(question(page)).toBeVisible();
    await star(page, '2 of 5, bad').check();
    await sendRating(page).click();
    await expect(thanks(page)).toHaveText('Thank you for your rating.');
    const rating = await ratingOf(id);
    expect(rating).toMatchObject({ score: 2 });
    expect(rating?.comment ?? null).toBeNull();
    expect(problems).toEqual([]);
  }, 60_000);

  it('does not ask when the operator skipped the rating, nor loads the piece', async () => {
    const { page, problems, id, requested } = await visitorWrites('Just saying thanks!');
    await resolve(id, true);
    await expect(resolvedNotice(page)).toBeVisible();
    await page.waitForTimeout(500);
    await expect(question(page)).toHaveCount(0);
    expect(requested.filter((path) => path.endsWith('/chat-rating.js'))).toEqual([]);
    expect(await ratingOf(id)).toBeNull();
    expect(problems).toEqual([]);
  }, 60_000);

  it('goes away when the visitor writes again, which reopens the conversation', async () => {
    const { page, problems, id } = await visitorWrites('Is the shop open on Sunday?');
    await resolve(id);
    await expect(question(page)).toBeVisible();
    await star(page, '3 of 5, okay').check();
    await sendMessage(page, 'One more question, sorry');
    await expect(question(page)).toHaveCount(0);
    await expect(resolvedNotice(page)).toHaveCount(0);
    expect((await site.chat.conversations.get(id))?.conversation.status).toBe('open');
    expect(await ratingOf(id)).toBeNull();

    // Resolved again: asked afresh, with nothing chosen.
    await resolve(id);
    await expect(question(page)).toBeVisible();
    await expect.poll(() => star(page, '3 of 5, okay').isChecked()).toBe(false);
    expect(problems).toEqual([]);
  }, 60_000);

  it('stops asking in another tab of the visitor once one tab rated (told by the chat, or else answered CONFLICT)', async () => {
    const first = await visitorWrites('Two tabs open');
    const second = await first.context.newPage();
    await second.goto(`${site.url}/`);
    await openWidget(second);
    await resolve(first.id);
    await expect(question(first.page)).toBeVisible();
    await expect(question(second)).toBeVisible();
    await star(first.page, '5 of 5, very good').check();
    await sendRating(first.page).click();
    await expect(thanks(first.page)).toHaveText('Thank you for your rating.');
    // The other tab is told (its prompt goes), or else, on sending, answered CONFLICT: either way it asks no more.
    const told = await question(second).waitFor({ state: 'detached', timeout: 2000 }).then(
      () => true,
      () => false,
    );
    if (!told) {
      await star(second, '1 of 5, very bad').check();
      await sendRating(second).click();
      await expect(thanks(second)).toHaveText('You already rated this conversation. Thank you.');
      await expect(question(second)).toHaveCount(0);
    }
    expect(await ratingOf(first.id)).toMatchObject({ score: 5 });
  }, 60_000);

  it('speaks the page’s language, keeping the chat’s question', async () => {
    const opened = await openPage(browser, `${site.url}/`);
    await widget(opened.page).evaluate((element) => element.setAttribute('lang', 'es'));
    await opened.page.getByRole('button', { name: 'Abrir chat' }).click();
    await waitForConnected(opened.page);
    await opened.page.getByRole('textbox', { name: 'Mensaje' }).fill('Hola, ¿tenéis tiendas?');
    await opened.page.getByRole('textbox', { name: 'Mensaje' }).press('Enter');
    let id: string | undefined;
    await expect
      .poll(async () => (id = (await site.chat.conversations.list({ inbox: 'support' })).conversations.find((c) => c.lastMessage?.message === 'Hola, ¿tenéis tiendas?')?.id))
      .toBeDefined();
    await resolve(id!);
    await expect(question(opened.page)).toBeVisible();
    await expect(star(opened.page, '5 de 5, muy buena')).toBeVisible();
    await expect(widget(opened.page).getByRole('textbox', { name: 'Comentario (opcional)' })).toBeVisible();
    await expect(widget(opened.page).getByRole('button', { name: 'Enviar valoración' })).toBeDisabled();
    expect(opened.problems).toEqual([]);
  }, 60_000);

  it('has no serious accessibility violations with the prompt shown, in both themes', async () => {
    for (const theme of ['light', 'dark']) {
      const { page, id } = await visitorWrites(`Accessible in ${theme}?`, { bypassCSP: true }, theme);
      await resolve(id);
      await expect(question(page)).toBeVisible();
      expect(await axeViolations(page), `${theme}, asked`).toEqual([]);
      await star(page, '4 of 5, good').check();
      await comment(page).fill('Fine.');
      expect(await axeViolations(page), `${theme}, chosen`).toEqual([]);
      await sendRating(page).click();
      await expect(thanks(page)).toHaveText('Thank you for your rating.');
      expect(await axeViolations(page), `${theme}, thanked`).toEqual([]);
    }
  }, 90_000);
});
