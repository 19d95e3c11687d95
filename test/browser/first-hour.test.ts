import type { Connection } from 'mongoose';
import type { Browser, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/app.js';
import { clientId, connectMongo, onCleanup, request } from '../support/harness.js';
import { axeViolations, launchChromium, openPage, openWidget, sendMessage, waitForConnected } from './browser.js';
import './locator-matchers.js';
import { inbox, openInbox, operatorSocket } from './team.js';

// What a new site owner meets in the first hour, on the demo: the bugs they found, and the finish
// they expect of a chat next to the hosted products.

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
const conversationItem = (page: Page, name: string | RegExp) => inbox(page).getByRole('option', { name });

/** A demo site of its own, where only the test's own operators are online. */
async function quietSite() {
  const quiet = await startDemo({ connection: db, port: 0 });
  onCleanup(() => quiet.close());
  return quiet;
}

/** The id of the conversation whose last message is `text`, as an operator lists it. */
async function conversationWith(operator: Awaited<ReturnType<typeof operatorSocket>>, text: string): Promise<string> {
  const list = await request<{ ok: true; conversations: Array<{ id: string; lastMessage: { message: string } | null }> }>(operator, 'inbox', {
    inbox: 'support',
  });
  return list.conversations.find((conversation) => conversation.lastMessage?.message === text)!.id;
}

/** A visitor of the shop with a conversation: they wrote `text`, as a guest unless `name` is given. */
async function visitorWrites(text: string, options: { name?: string; phone?: string } = {}) {
  const visitor = await openPage(browser, `${site.url}/`);
  await openWidget(visitor.page);
  await expect(widget(visitor.page).locator('[part="status"]')).toContainText(/typically reply|away/);
  if (options.name) await saveDetails(visitor.page, options.name, options.phone);
  await sendMessage(visitor.page, text);
  await expect(widget(visitor.page).locator('[part~="message-own"]', { hasText: text })).toContainText(/Sent|Seen/);
  return visitor;
}

async function saveDetails(page: Page, name: string, phone = '') {
  const nameField = page.getByRole('textbox', { name: 'Name' });
  if (!(await nameField.isVisible())) await page.getByRole('button', { name: /Add your details|Your details/ }).click();
  await nameField.fill(name);
  await page.getByRole('textbox', { name: 'Email' }).fill(`${name.toLowerCase().replace(/\W/g, '')}@example.com`);
  if (phone) await page.getByRole('textbox', { name: /Phone/ }).fill(phone);
  await page.getByRole('button', { name: 'Save details' }).click();
  await expect(page.getByRole('button', { name: 'Save details' })).toHaveCount(0);
}

/** The contrast ratio (WCAG) between an element's text and the first opaque background behind it. */
function contrastOf(locator: Locator): Promise<number> {
  return locator.evaluate((element) => {
    const channel = (value: number) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const parse = (color: string) => color.match(/[\d.]+/g)!.map(Number);
    const luminance = ([r, g, b]: number[]) => 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
    let node: Element | null = element;
    let background = 'rgb(255, 255, 255)';
    while (node) {
      const color = getComputedStyle(node).backgroundColor;
      const alpha = parse(color)[3];
      if (color !== 'transparent' && (alpha === undefined || alpha > 0.9)) {
        background = color;
        break;
      }
      node = node.parentElement ?? ((node.getRootNode() as ShadowRoot).host ?? null);
    }
    const [light, dark] = [luminance(parse(getComputedStyle(element).color)), luminance(parse(background))].sort((a, b) => b - a);
    return (light! + 0.05) / (dark! + 0.05);
  });
}

describe('the first hour: what a new site owner found', () => {
  it("shows the visitor's saved name in the inbox list, live and after a reload, and their phone formatted", async () => {
    const alex = await openInbox(browser, site.url, 'alex');
    const visitor = await visitorWrites('Do you ship to Ireland?');
    const guest = conversationItem(alex.page, /^Guest \d+.*Do you ship to Ireland/);
    await guest.click();
    await saveDetails(visitor.page, 'Dana Walker', '+442079460958');

    await expect(conversationItem(alex.page, /^Dana Walker/)).toBeVisible();
    await expect(inbox(alex.page).getByRole('heading', { name: 'Dana Walker' })).toBeVisible();
    const phone = inbox(alex.page).getByRole('link', { name: '+44 20 7946 0958' });
    await expect(phone).toHaveAttribute('href', 'tel:+442079460958');

    await alex.page.reload();
    await expect(conversationItem(alex.page, /^Dana Walker/)).toBeVisible();
  });

  it('says "Sign in again" when the inbox refuses a signed-out operator, with no composer and no stale presence', async () => {
    await visitorWrites('Hello, anyone there?', { name: 'Sid Signout' });
    const alex = await openInbox(browser, site.url, 'alex');
    await conversationItem(alex.page, /^Sid Signout/).click();
    await expect(inbox(alex.page).getByText('Online now')).toBeVisible();

    // Signed out elsewhere (another tab, an expired session); then the connection drops and comes back.
    await alex.page.evaluate(() => fetch('/team/sign-out', { method: 'POST', redirect: 'manual' }));
    for (const socket of site.chat.io.of('/operators').sockets.values()) socket.conn.close();

    const alert = inbox(alex.page).locator('[part="signed-out"]');
    await expect(alert).toContainText('You are signed out');
    await expect(alert.getByRole('link', { name: 'Sign in again' })).toHaveAttribute('href', '/team');
    await expect(inbox(alex.page).getByRole('textbox', { name: 'Reply' })).toBeDisabled();
    await expect(inbox(alex.page).getByRole('button', { name: 'Send' })).toBeDisabled();
    await expect(inbox(alex.page).getByText('Online now')).toHaveCount(0);
  });

  for (const viewport of [
    { width: 1280, height: 700 },
    { width: 1280, height: 800 },
  ]) {
    it(`keeps the composer and room for the last message on /support with the form's errors, at ${viewport.width}×${viewport.height}`, async () => {
      const { page } = await openPage(browser, `${site.url}/support`, { viewport });
      await openWidget(page);
      await page.getByRole('button', { name: 'Save details' }).click();
      await expect(page.getByText('Please enter your name')).toBeVisible();
      const [panel, composer, log] = await Promise.all([
        page.getByRole('dialog').boundingBox(),
        widget(page).locator('[part="composer"]').boundingBox(),
        widget(page).locator('[part="log"]').boundingBox(),
      ]);
      expect(composer!.y + composer!.height).toBeLessThanOrEqual(Math.min(panel!.y + panel!.height, viewport.height) + 1);
      expect(log!.height).toBeGreaterThanOrEqual(64);
      // The greeting, which stands where the last message will, is in view.
      await expect(widget(page).locator('[part="welcome"]')).toBeVisible();
    });
  }

  it("shows the team's availability in the status dot, and never squashes it when the status wraps", async () => {
    const quiet = await quietSite();
    const { page } = await openPage(browser, `${quiet.url}/support`, { viewport: { width: 320, height: 640 } });
    await openWidget(page);
    const status = widget(page).locator('[part="status"]');
    await expect(status).toHaveAttribute('data-team', 'away');
    const dot = status.locator('.dot');
    const statusBox = await status.boundingBox();
    expect(statusBox!.height).toBeGreaterThan(24); // "We're away — …" takes two lines here
    expect(await dot.boundingBox()).toMatchObject({ width: 8, height: 8 });
    // Hollow while away, green once someone of the team comes online.
    await expect(dot).toHaveCSS('background-color', 'rgba(0, 0, 0, 0)');
    await operatorSocket(quiet.url, 'sam');
    await expect(status).toHaveAttribute('data-team', 'online');
    await expect(dot).toHaveCSS('background-color', 'rgb(74, 222, 128)');
  });

  it('lets "Details saved." go, keeps the thread in view beside the form, and draws the focus ring apart from the error border', async () => {
    const { page } = await openPage(browser, `${site.url}/community`, { viewport: { width: 1280, height: 800 } });
    await openWidget(page);
    await page.getByRole('button', { name: 'Add your details' }).click();
    expect((await widget(page).locator('[part="log"]').boundingBox())!.height).toBeGreaterThanOrEqual(64);

    await page.getByRole('button', { name: 'Save details' }).click();
    const name = page.getByRole('textbox', { name: 'Name' });
    await expect(name).toBeFocused();
    const look = await name.evaluate((input) => {
      const style = getComputedStyle(input);
      return { border: style.borderTopColor, inner: style.boxShadow, outline: style.outlineStyle, offset: parseFloat(style.outlineOffset) };
    });
    const errorColor = await widget(page).locator('.error').first().evaluate((span) => getComputedStyle(span).color);
    expect(look.border).toBe(errorColor);
    expect(look.inner).toContain(errorColor);
    expect(look.outline).toBe('solid');
    expect(look.offset).toBeGreaterThanOrEqual(2);

    await saveDetails(page, 'Noor Notice');
    const notice = widget(page).getByText('Details saved.');
    await expect(notice).toBeVisible();
    await expect.poll(() => notice.count(), { timeout: 8_000 }).toBe(0);
  });

  it('reads on a phone and at 1280 px: the name on one line, the tabs in one row, the wait beside the unread count', async () => {
    await visitorWrites('Is the jacket warm enough?', { name: 'Marguerite Longname' });
    const wide = await openInbox(browser, site.url, 'alex', { viewport: { width: 1280, height: 800 } });
    const tabs = await inbox(wide.page).getByRole('tab').evaluateAll((elements) => elements.map((tab) => tab.getBoundingClientRect().top));
    expect(new Set(tabs).size).toBe(1);
    const item = conversationItem(wide.page, /^Marguerite Longname/);
    await expect(item.locator('[part="unread"]')).toHaveText('1');
    await expect(item.locator('.when')).toContainText(/waiting/);

    const phone = await openInbox(browser, site.url, 'alex', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    await conversationItem(phone.page, /^Marguerite Longname/).click();
    const heading = await inbox(phone.page).getByRole('heading', { name: 'Marguerite Longname' }).boundingBox();
    expect(heading!.height).toBeLessThan(30);
  });

  it('shows the dark theme\'s "Desktop notifications" link at AA contrast', async () => {
    const alex = await openInbox(browser, site.url, 'alex', { colorScheme: 'dark' });
    const link = inbox(alex.page).getByRole('button', { name: 'Desktop notifications' });
    await expect(link).toBeVisible();
    expect(await contrastOf(link)).toBeGreaterThanOrEqual(4.5);
  });
});

describe('the finish a site owner expects', () => {
  it('greets an empty conversation with the host\'s greeting and who of the team is there', async () => {
    const quiet = await quietSite();
    const { page } = await openPage(browser, `${quiet.url}/`);
    await openWidget(page);
    const welcome = widget(page).locator('[part="welcome"]');
    await expect(welcome).toContainText('Ask us anything');
    await operatorSocket(quiet.url, 'alex');
    await expect(welcome).toContainText('Alex is here to help');
    await expect(welcome.locator('img.avatar')).toHaveAttribute('src', '/avatars/alex.svg');
    await operatorSocket(quiet.url, 'sam');
    await expect(welcome).toContainText('Alex and Sam are here to help');
    await expect(welcome.locator('span.avatar')).toHaveText('S');
    await widget(page).evaluate((element) => element.setAttribute('greeting', 'Hello from the trail team!'));
    await expect(welcome).toContainText('Hello from the trail team!');
    await sendMessage(page, 'First words');
    await expect(welcome).toHaveCount(0);
  });

  it('groups three replies in a row: the name once, the time on the last', async () => {
    const visitor = await visitorWrites('Three answers, please');
    const sam = await operatorSocket(site.url, 'sam');
    const id = await conversationWith(sam, 'Three answers, please');
    for (const text of ['One', 'Two', 'Three']) {
      const ack = await request<{ ok: boolean }>(sam, 'message', { conversationId: id, message: text, clientId: clientId() });
      expect(ack.ok).toBe(true);
    }
    const replies = widget(visitor.page).locator('[part~="message-team"]');
    await expect(replies).toHaveCount(3);
    const looks = await replies.evaluateAll((items) =>
      items.map((item) => ({
        nameShown: !item.querySelector('.sender')!.classList.contains('visually-hidden'),
        timeShown: getComputedStyle(item.querySelector('.meta')!).opacity === '1',
      })),
    );
    expect(looks).toEqual([
      { nameShown: true, timeShown: false },
      { nameShown: false, timeShown: false },
      { nameShown: false, timeShown: true },
    ]);
    // No "You" on the visitor's own bubbles; the time has no leading zero where the language has none.
    await expect(widget(visitor.page).locator('[part~="message-own"] .sender')).toHaveCSS('position', 'absolute');
    expect(await widget(visitor.page).locator('time').first().innerText()).toMatch(/^\d{1,2}:\d{2}( [AP]M)?$/);
    expect(await widget(visitor.page).locator('time').first().innerText()).not.toMatch(/^0\d:/);
    // (Around midnight the message may already be yesterday's.)
    await expect(widget(visitor.page).locator('[part="day"]').first()).toContainText(/^(Today|Yesterday)$/);
  });

  it('previews a new reply by the launcher while the window is closed, and keeps the window as it was across a reload', async () => {
    const visitor = await visitorWrites('Ping me when you know');
    const { page } = visitor;
    await page.reload();
    // It was open: it still is.
    await expect(page.getByRole('dialog')).toBeVisible();
    await waitForConnected(page);
    await page.getByRole('button', { name: 'Close chat' }).click();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Open chat' })).toBeVisible();
    await expect(page.getByRole('dialog')).toBeHidden();

    const sam = await operatorSocket(site.url, 'sam');
    const id = await conversationWith(sam, 'Ping me when you know');
    await request(sam, 'message', { conversationId: id, message: 'Your order shipped today.', clientId: clientId() });

    const preview = widget(page).locator('[part="preview"]');
    await expect(preview).toContainText('Your order shipped today.');
    await expect(preview).toHaveAttribute('role', 'status');
    await expect(preview.getByRole('button', { name: 'New reply from Sam: Your order shipped today.' })).toBeVisible();
    await preview.getByRole('button', { name: 'Dismiss' }).click();
    await expect(preview.getByRole('button')).toHaveCount(0);

    await request(sam, 'message', { conversationId: id, message: 'And the tracking number is 123.', clientId: clientId() });
    await expect(preview).toContainText('tracking number');
    await preview.getByRole('button', { name: /New reply/ }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await expect(preview.getByRole('button')).toHaveCount(0);
  });

  it('on a touch phone: big enough targets, full screen, and no keyboard over the thread on opening', async () => {
    const touch = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, reducedMotion: 'reduce' as const };
    const { page } = await openPage(browser, `${site.url}/`, touch);
    await page.getByRole('button', { name: 'Open chat' }).tap();
    await page.getByRole('dialog').waitFor();
    await waitForConnected(page);
    expect(await page.getByRole('dialog').boundingBox()).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    // The window itself has focus (a screen reader is in it), not the message box (no keyboard).
    const focused = await widget(page).evaluate((element) => element.shadowRoot!.activeElement?.getAttribute('role') ?? null);
    expect(focused).toBe('dialog');
    const small = await widget(page).evaluate((element) =>
      [...element.shadowRoot!.querySelectorAll('button')]
        .filter((button) => button.getClientRects().length > 0)
        .map((button) => ({ name: button.getAttribute('aria-label') ?? button.textContent!.trim(), box: button.getBoundingClientRect() }))
        .filter(({ box }) => box.width < 44 || box.height < 44)
        .map(({ name, box }) => `${name}: ${Math.round(box.width)}×${Math.round(box.height)}`),
    );
    expect(small).toEqual([]);
  });

  it('takes a partial set of strings set before the element is defined, says once that a language is missing, and warns once of a second widget for the same chat', async () => {
    const { page, problems } = await openPage(browser, `${site.url}/`, {}, { waitForWidget: false });
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    // A page of the host's (no CSP here: the inline script is the host's own), strings set before widget.js runs.
    await page.route(`${site.url}/german`, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: `<!doctype html><html lang="de"><head><title>Laden</title></head><body>
          <chat-widget id="first" inbox="support" lang="de"></chat-widget>
          <chat-widget id="second" inbox="support" lang="de"></chat-widget>
          <chat-widget id="third" inbox="support" lang="de"></chat-widget>
          <chat-widget id="room" room="lobby" lang="de" position="bottom-left"></chat-widget>
          <script>document.getElementById('first').strings = { openChat: 'Chat öffnen', heading: 'Schreiben Sie uns' };</script>
          <script type="module" src="/chat/widget.js"></script></body></html>`,
      }),
    );
    await page.goto(`${site.url}/german`);
    await expect(page.getByRole('button', { name: 'Chat öffnen' })).toBeVisible();
    // The room's widget is a chat of its own; of the three for the support inbox, one shows.
    await expect(page.locator('chat-widget').locator('[part="launcher"]')).toHaveCount(2);
    await page.getByRole('button', { name: 'Chat öffnen' }).click();
    await expect(page.getByRole('heading', { name: 'Schreiben Sie uns' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
    expect(warnings.filter((text) => text.includes('lang="de"'))).toHaveLength(1);
    expect(warnings.filter((text) => text.includes('two <chat-widget>s'))).toHaveLength(1);

    // The first leaves the page: one standing by takes its place.
    await page.evaluate(() => document.getElementById('first')!.remove());
    await expect(page.locator('#second').locator('[part="launcher"]')).toHaveCount(1);
    await expect(page.locator('#third').locator('[part="launcher"]')).toHaveCount(0);
    // (Chromium keeps a page that a test serves by interception from opening a WebSocket to this
    // machine; the widget falls back to polling, which is the chat working, not a problem.)
    expect(problems.filter((problem) => !problem.includes('ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS'))).toEqual([]);
  });

  it('loads the Spanish strings only on Spanish pages', async () => {
    const { page } = await openPage(browser, `${site.url}/`);
    await widget(page).evaluate((element) => element.setAttribute('lang', 'es'));
    await page.getByRole('button', { name: 'Abrir chat' }).click();
    await expect(page.getByRole('button', { name: 'Enviar' })).toBeVisible();
    const requested = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname));
    expect(requested).toContain('/chat/chat-strings-es.js');

    const english = await openPage(browser, `${site.url}/`);
    await openWidget(english.page);
    const englishRequests = await english.page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname));
    expect(englishRequests).not.toContain('/chat/chat-strings-es.js');
  });

  it('has no serious accessibility violations with the greeting and team, with a preview, or signed out, in both themes', async () => {
    const sam = await operatorSocket(site.url, 'sam');
    for (const theme of ['light', 'dark']) {
      const { page } = await openPage(browser, `${site.url}/`, { bypassCSP: true });
      await widget(page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await openWidget(page);
      await expect(widget(page).locator('[part="welcome"]')).toContainText('here to help');
      expect(await axeViolations(page), `${theme}, welcome`).toEqual([]);

      const text = `Checking the ${theme} preview`;
      await sendMessage(page, text);
      await expect(widget(page).locator('[part~="message-own"]', { hasText: text })).toContainText(/Sent|Seen/);
      await page.getByRole('button', { name: 'Close chat' }).click();
      await request(sam, 'message', { conversationId: await conversationWith(sam, text), message: 'We are on it.', clientId: clientId() });
      await expect(widget(page).locator('[part="preview"]')).toContainText('We are on it.');
      expect(await axeViolations(page), `${theme}, preview`).toEqual([]);

      const alex = await openInbox(browser, site.url, 'alex', { bypassCSP: true });
      await inbox(alex.page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await alex.page.evaluate(() => fetch('/team/sign-out', { method: 'POST', redirect: 'manual' }));
      for (const socket of site.chat.io.of('/operators').sockets.values()) if (socket.id !== sam.id) socket.conn.close();
      await expect(inbox(alex.page).locator('[part="signed-out"]')).toBeVisible();
      expect(await axeViolations(alex.page), `${theme}, signed out`).toEqual([]);
    }
    // Two themes, each with three pages and three axe runs: longer than one flow.
  }, 60_000);
});
