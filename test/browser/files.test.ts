import type { Connection } from 'mongoose';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/app.js';
import { connectMongo, onCleanup } from '../support/harness.js';
import { axeViolations, launchChromium, openPage, openWidget, sendMessage, waitForConnected } from './browser.js';
import './locator-matchers.js';
import { inbox, openInbox } from './team.js';

// Files in the chat, in Chromium against the demo with files on (GridFS on the test's MongoDB, and
// sharp for thumbnails): the widget's paperclip, paste and drop, the checks before anything
// uploads, the progress of an upload and its cancel, the outbox keeping files across a reload,
// the thread's thumbnails and chips, the image viewer by keyboard, and the inbox doing the same
// for the team, notes included.

const MAX_BYTES = 400_000;
let browser: Browser;
let db: Connection;
let site: Awaited<ReturnType<typeof startDemo>>;
/** A small PNG, a PNG of noise too large to upload quickly on a throttled network, and a one-page PDF. */
let png: Buffer;
let largePng: Buffer;
const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

beforeAll(async () => {
  db = await connectMongo();
  // Without the demo's assistant: the team's own flows, as in inbox.test.ts.
  site = await startDemo({ connection: db, port: 0, chatOptions: { assistant: undefined, files: { maxBytes: MAX_BYTES, maxPerMessage: 3 } } });
  onCleanup(() => site.close());
  browser = await launchChromium();
  png = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#2563eb' } }).png().toBuffer();
  const noise = Buffer.alloc(300 * 300 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 3) * 104729) % 251;
  largePng = await sharp(noise, { raw: { width: 300, height: 300, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
});

const widget = (page: Page) => page.locator('chat-widget');
const messageBox = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const storedWith = (text: string) => db.collection('chat_messages').find({ message: text }).toArray();

/** Chooses files with the paperclip, through the browser's own file chooser. */
async function pickFiles(page: Page, files: Array<{ name: string; mimeType: string; buffer: Buffer }>, scope = widget(page)): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), scope.getByRole('button', { name: 'Attach files' }).click()]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles(files);
}

/** Builds a DataTransfer holding `files` in the page, as a paste or a drop would carry. */
function dataTransfer(page: Page, files: Array<{ name: string; type: string; base64: string }>) {
  return page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const { name, type, base64 } of list) {
      transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
    }
    return transfer;
  }, files);
}

/** How many files the page's IndexedDB keeps for unsent messages. */
function keptFileCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const opening = indexedDB.open('parley-chat-files', 1);
        // Never hangs: a refusal counts as -1, which no poll waits for.
        opening.onerror = opening.onblocked = () => resolve(-1);
        opening.onupgradeneeded = () => opening.result.createObjectStore('files');
        opening.onsuccess = () => {
          const counting = opening.result.transaction('files').objectStore('files').count();
          counting.onsuccess = () => {
            resolve(counting.result);
            opening.result.close();
          };
        };
      }),
  );
}

const devTools = new WeakMap<Page, Promise<CDPSession>>();

/** Slows this page's uploads (bytes a second), or lets them go at full speed again (undefined). */
async function throttleUploads(context: BrowserContext, page: Page, bytesPerSecond: number | undefined): Promise<void> {
  if (!devTools.has(page)) {
    devTools.set(
      page,
      context.newCDPSession(page).then(async (session) => {
        await session.send('Network.enable');
        return session;
      }),
    );
  }
  const cdp = await devTools.get(page)!;
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond ?? -1,
  });
}

describe('files in <chat-widget>', () => {
  it('the picker: previews with remove, then a message with only files; thumbnails and chips in both browsers', async () => {
    const sender = await openPage(browser, `${site.url}/community`);
    const reader = await openPage(browser, `${site.url}/community`);
    await openWidget(sender.page);
    await openWidget(reader.page);

    await pickFiles(sender.page, [
      { name: 'blue.png', mimeType: 'image/png', buffer: png },
      { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: pdf },
      { name: 'spare.pdf', mimeType: 'application/pdf', buffer: pdf },
    ]);
    const attachments = widget(sender.page).getByRole('list', { name: 'Files to send' });
    await expect(attachments.getByRole('listitem')).toHaveCount(3);
    // An image shows a small picture of itself (a data: URL, which a strict CSP allows), every file its name and size.
    await expect.poll(() => attachments.getByRole('listitem').first().locator('img').getAttribute('src')).toMatch(/^data:image\/png/);
    await expect(attachments).toContainText('invoice.pdf');
    await widget(sender.page).getByRole('button', { name: 'Remove spare.pdf' }).click();
    await expect(attachments.getByRole('listitem')).toHaveCount(2);
    // Files alone may be sent: no text needed.
    await expect(widget(sender.page).getByRole('button', { name: 'Send' })).toBeEnabled();
    await widget(sender.page).getByRole('button', { name: 'Send' }).click();
    await expect(attachments).toHaveCount(0);

    for (const page of [sender.page, reader.page]) {
      const thumbnail = widget(page).getByRole('button', { name: 'View blue.png' });
      await expect(thumbnail).toBeVisible();
      await expect(thumbnail.locator('img')).toHaveAttribute('alt', 'blue.png');
      // The image really loads from its signed URL (a thumbnail, as the server has sharp).
      await expect.poll(() => thumbnail.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      const chip = widget(page).getByRole('link', { name: /invoice\.pdf/ });
      expect(await chip.getAttribute('href')).toMatch(/^\/chat\/files\//);
      expect(await chip.innerText()).toMatch(/\d+ byte/);
    }
    await expect(widget(sender.page).locator('[part~="message-own"]').last()).toContainText('Sent');
    const [stored] = await db.collection('chat_messages').find({ 'files.name': 'invoice.pdf' }).toArray();
    expect(stored?.message).toBe('');
    expect(stored?.files).toHaveLength(2);
    expect([...sender.problems, ...reader.problems]).toEqual([]);
  });

  it('a pasted screenshot and files dropped on the window join the message; text goes with them', async () => {
    const { page, problems } = await openPage(browser, `${site.url}/community`);
    await openWidget(page);
    const base64 = png.toString('base64');

    const pasted = await dataTransfer(page, [{ name: 'image.png', type: 'image/png', base64 }]);
    await messageBox(page).evaluate((field, clipboardData) => {
      field.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true, composed: true }));
    }, pasted);
    const attachments = widget(page).getByRole('list', { name: 'Files to send' });
    await expect(attachments.getByRole('listitem')).toHaveCount(1);
    await expect(attachments).toContainText('image.png');

    const dropped = await dataTransfer(page, [{ name: 'dropped.pdf', type: 'application/pdf', base64: pdf.toString('base64') }]);
    const log = widget(page).locator('[part="log"]');
    await log.dispatchEvent('dragenter', { dataTransfer: dropped });
    await log.dispatchEvent('dragover', { dataTransfer: dropped });
    await expect(widget(page).locator('.drop-zone')).toHaveText('Drop files to attach them');
    await log.dispatchEvent('drop', { dataTransfer: dropped });
    await expect(widget(page).locator('.drop-zone')).toHaveCount(0);
    await expect(attachments.getByRole('listitem')).toHaveCount(2);

    await sendMessage(page, 'Here is the error I get');
    const own = widget(page).locator('[part~="message-own"]', { hasText: 'Here is the error I get' });
    await expect(own).toContainText('Sent');
    await expect(own.getByRole('button', { name: 'View image.png' })).toBeVisible();
    await expect(own.getByRole('link', { name: /dropped\.pdf/ })).toBeVisible();
    const stored = await storedWith('Here is the error I get');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.files.map((file: { name: string }) => file.name).sort()).toEqual(['dropped.pdf', 'image.png']);
    expect(problems).toEqual([]);
  });

  it("checks size, count and type before uploading, and says why in a live region", async () => {
    const { page } = await openPage(browser, `${site.url}/community`);
    await openWidget(page);
    const alert = widget(page).getByRole('alert');
    await pickFiles(page, [{ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(MAX_BYTES + 1, 1) }]);
    await expect(alert).toContainText('huge.png is too large: files can be up to 400 kB.');
    await pickFiles(page, [{ name: 'archive.zip', mimeType: 'application/zip', buffer: Buffer.from('PK\u0003\u0004') }]);
    await expect(alert).toContainText('archive.zip is a type of file the chat does not take.');
    await pickFiles(page, ['a', 'b', 'c', 'd'].map((name) => ({ name: `${name}.pdf`, mimeType: 'application/pdf', buffer: pdf })));
    await expect(alert).toContainText('You can send up to 3 files in one message.');
    await expect(widget(page).getByRole('list', { name: 'Files to send' }).getByRole('listitem')).toHaveCount(3);
  });

  it('shows the progress of an upload, and Cancel puts the message back in the composer; sent again, it is stored once', async () => {
    const { context, page, problems } = await openPage(browser, `${site.url}/community`);
    await openWidget(page);
    await throttleUploads(context, page, 40_000);
    await pickFiles(page, [{ name: 'noise.png', mimeType: 'image/png', buffer: largePng }]);
    await sendMessage(page, 'A slow one');

    const progress = widget(page).getByRole('progressbar', { name: 'Uploading noise.png' });
    await expect(progress).toBeVisible();
    await expect.poll(() => progress.getAttribute('aria-valuenow').then(Number), { timeout: 8000 }).toBeGreaterThan(0);
    expect(Number(await progress.getAttribute('aria-valuenow'))).toBeLessThan(100);
    await widget(page).getByRole('button', { name: 'Cancel' }).click();
    await expect(widget(page).locator('[part~="message-own"]', { hasText: 'A slow one' })).toHaveCount(0);
    await expect(messageBox(page)).toHaveValue('A slow one');
    await expect(widget(page).getByRole('list', { name: 'Files to send' })).toContainText('noise.png');
    expect(await storedWith('A slow one')).toHaveLength(0);

    await throttleUploads(context, page, undefined);
    await messageBox(page).press('Enter');
    await expect(widget(page).locator('[part~="message-own"]', { hasText: 'A slow one' })).toContainText('Sent');
    expect(await storedWith('A slow one')).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('keeps the files of an unsent message across a reload (IndexedDB) and sends it once', async () => {
    const { context, page } = await openPage(browser, `${site.url}/community`);
    await openWidget(page);
    await context.setOffline(true);
    await expect(widget(page).locator('[part="status"]')).toHaveAttribute('data-status', 'offline');
    await pickFiles(page, [{ name: 'kept.png', mimeType: 'image/png', buffer: png }]);
    await sendMessage(page, 'Survives a reload, with its file');
    await expect(widget(page).locator('[part~="message-pending"]', { hasText: 'Survives a reload' })).toContainText('kept.png');
    await expect.poll(() => keptFileCount(page)).toBe(1);
    await page.close();

    await context.setOffline(false);
    const again = await context.newPage();
    await again.goto(`${site.url}/community`);
    // A new tab: the window starts closed, and the unsent message alone connects the chat.
    await waitForConnected(again);
    await openWidget(again);
    const own = widget(again).locator('[part~="message-own"]', { hasText: 'Survives a reload, with its file' });
    await expect(own).toContainText('Sent');
    await expect(own.getByRole('button', { name: 'View kept.png' })).toBeVisible();
    const stored = await storedWith('Survives a reload, with its file');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.files).toHaveLength(1);
    // Once sent, the browser keeps the file no longer.
    await expect.poll(() => keptFileCount(again)).toBe(0);
  });

  it('without IndexedDB, says the file must be chosen again after a reload, and Choose again brings the message back', async () => {
    const { context, page } = await openPage(browser, `${site.url}/community`);
    await context.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined }));
    await page.reload();
    await openWidget(page);
    await context.setOffline(true);
    await expect(widget(page).locator('[part="status"]')).toHaveAttribute('data-status', 'offline');
    await pickFiles(page, [{ name: 'fleeting.png', mimeType: 'image/png', buffer: png }]);
    await sendMessage(page, 'My file will be lost');
    await page.close();

    await context.setOffline(false);
    const again = await context.newPage();
    await again.goto(`${site.url}/community`);
    await waitForConnected(again);
    await openWidget(again);
    const own = widget(again).locator('[part~="message-own"]', { hasText: 'My file will be lost' });
    await expect(own).toContainText('fleeting.png was not kept after the page reloaded: choose it again.');
    await expect(own.getByRole('button', { name: 'Retry' })).toHaveCount(0);
    await expect(widget(again).getByRole('alert')).toContainText('choose it again');
    const [chooser] = await Promise.all([again.waitForEvent('filechooser'), own.getByRole('button', { name: 'Choose again' }).click()]);
    await expect(messageBox(again)).toHaveValue('My file will be lost');
    await chooser.setFiles([{ name: 'fleeting.png', mimeType: 'image/png', buffer: png }]);
    await messageBox(again).press('Enter');
    await expect(widget(again).locator('[part~="message-own"]', { hasText: 'My file will be lost' })).toContainText('Sent');
    expect(await storedWith('My file will be lost')).toHaveLength(1);
  });

  it('opens an image in a viewer by keyboard: focus kept inside, Escape closes it and returns focus, the window stays open', async () => {
    const { page, problems } = await openPage(browser, `${site.url}/community`);
    await openWidget(page);
    await pickFiles(page, [{ name: 'viewer.png', mimeType: 'image/png', buffer: png }]);
    await sendMessage(page, 'Look at this');
    const thumbnail = widget(page).getByRole('button', { name: 'View viewer.png' });
    await expect(thumbnail).toBeVisible();

    await thumbnail.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'viewer.png' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('img', { name: 'viewer.png' })).toBeVisible();
    expect(await dialog.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(/^\/chat\/files\//);
    await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
    // A modal dialog: Tab goes round its own controls, never to the thread behind it.
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      const inside = await dialog.evaluate((element) => {
        let active: Element | null = document.activeElement;
        while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
        return element.contains(active);
      });
      expect(inside).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(thumbnail).toBeFocused();
    await expect(page.getByRole('dialog', { name: /Community lobby/ })).toBeVisible();
    expect(problems).toEqual([]);
  });

  it('asks for fresh URLs when an image no longer loads (its signed URL expired)', async () => {
    const { page } = await openPage(browser, `${site.url}/community`);
    await openWidget(page);
    await pickFiles(page, [{ name: 'expiring.png', mimeType: 'image/png', buffer: png }]);
    await sendMessage(page, 'Expiring soon');
    const image = widget(page).getByRole('button', { name: 'View expiring.png' }).locator('img');
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

    // The next page shows it from history; the server answers its first request as if the URL had expired.
    let refused = 0;
    await page.route('**/chat/files/**', async (route) => {
      if (refused++ === 0) await route.fulfill({ status: 403, body: '' });
      else await route.continue();
    });
    await page.reload();
    await waitForConnected(page);
    const again = widget(page).getByRole('button', { name: 'View expiring.png' }).locator('img');
    await expect.poll(() => again.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    // Refused once, then asked for again with what history signed (the same URL while the server's expiry step lasts).
    expect(refused).toBeGreaterThanOrEqual(2);
  });

  it('has no serious accessibility violations with files attached, in the thread and in the viewer', async () => {
    for (const theme of ['light', 'dark']) {
      const { page } = await openPage(browser, `${site.url}/community`, { bypassCSP: true });
      await widget(page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await openWidget(page);
      await pickFiles(page, [
        { name: 'a11y.png', mimeType: 'image/png', buffer: png },
        { name: 'a11y.pdf', mimeType: 'application/pdf', buffer: pdf },
      ]);
      await sendMessage(page, `Accessible files, ${theme}`);
      await expect(widget(page).locator('[part~="message-own"]', { hasText: `Accessible files, ${theme}` })).toContainText('Sent');
      await pickFiles(page, [{ name: 'waiting.png', mimeType: 'image/png', buffer: png }]);
      expect(await axeViolations(page), `${theme}, thread and attachments`).toEqual([]);
      await widget(page).getByRole('button', { name: 'View a11y.png' }).last().click();
      await expect(page.getByRole('dialog', { name: 'a11y.png' })).toBeVisible();
      expect(await axeViolations(page), `${theme}, viewer`).toEqual([]);
    }
  });
});

describe('files in <chat-inbox>', () => {
  it("an operator sees a visitor's files, sends files in a reply and in a note (with cookies), and views images by keyboard", async () => {
    const alex = await openInbox(browser, site.url, 'alex');
    const visitor = await openPage(browser, `${site.url}/`);
    await openWidget(visitor.page);
    await expect(widget(visitor.page).locator('[part="status"]')).toContainText(/typically reply|away/);
    const nameField = visitor.page.getByRole('textbox', { name: 'Name' });
    if (!(await nameField.isVisible())) await visitor.page.getByRole('button', { name: 'Add your details' }).click();
    await nameField.fill('Fiona Files');
    await visitor.page.getByRole('textbox', { name: 'Email' }).fill('fiona@example.com');
    await visitor.page.getByRole('button', { name: 'Save details' }).click();
    await pickFiles(visitor.page, [{ name: 'broken-zip.png', mimeType: 'image/png', buffer: png }]);
    await sendMessage(visitor.page, 'The zip on my jacket broke');
    await expect(widget(visitor.page).locator('[part~="message-own"]', { hasText: 'zip on my jacket' })).toContainText(/Sent|Seen/);

    const team = inbox(alex.page);
    await alex.page.getByRole('option', { name: /Fiona Files/ }).click();
    const visitorImage = team.getByRole('button', { name: 'View broken-zip.png' });
    await expect(visitorImage).toBeVisible();
    await expect.poll(() => visitorImage.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);

    // The viewer, by keyboard: Escape closes it and only it (the conversation stays open).
    await visitorImage.focus();
    await alex.page.keyboard.press('Enter');
    const dialog = alex.page.getByRole('dialog', { name: 'broken-zip.png' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
    await alex.page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(visitorImage).toBeFocused();
    await expect(team.getByRole('textbox', { name: 'Reply' })).toBeVisible();

    // A reply with a file; the upload goes with the operator's session cookie.
    await pickFiles(alex.page, [{ name: 'returns-form.pdf', mimeType: 'application/pdf', buffer: pdf }], team);
    await expect(team.getByRole('list', { name: 'Files to send' })).toContainText('returns-form.pdf');
    await team.getByRole('textbox', { name: 'Reply' }).fill('Please fill in this form');
    await team.getByRole('textbox', { name: 'Reply' }).press('Enter');
    await expect(widget(visitor.page).getByRole('link', { name: /returns-form\.pdf/ })).toBeVisible();

    // A note with a pasted screenshot: the team sees it, the visitor never does.
    await team.getByRole('checkbox', { name: 'Note' }).check();
    const pasted = await dataTransfer(alex.page, [{ name: 'stock.png', type: 'image/png', base64: png.toString('base64') }]);
    await team.getByRole('textbox', { name: 'Note for the team' }).evaluate((field, clipboardData) => {
      field.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true, composed: true }));
    }, pasted);
    await team.getByRole('textbox', { name: 'Note for the team' }).fill('Stock photo of the zip');
    await team.getByRole('textbox', { name: 'Note for the team' }).press('Enter');
    const note = team.locator('[part~="message-note"]', { hasText: 'Stock photo of the zip' });
    await expect(note.getByRole('button', { name: 'View stock.png' })).toBeVisible();
    await visitor.page.waitForTimeout(500);
    await expect(widget(visitor.page).getByRole('button', { name: 'View stock.png' })).toHaveCount(0);
    const [stored] = await db.collection('chat_messages').find({ message: 'Stock photo of the zip' }).toArray();
    expect(stored?.files).toHaveLength(1);
    expect([...alex.problems, ...visitor.problems]).toEqual([]);
  });

  it('has no serious accessibility violations with files in the thread and attached', async () => {
    const alex = await openInbox(browser, site.url, 'alex', { bypassCSP: true });
    const visitor = await openPage(browser, `${site.url}/`);
    await openWidget(visitor.page);
    await expect(widget(visitor.page).locator('[part="status"]')).toContainText(/typically reply|away/);
    const nameField = visitor.page.getByRole('textbox', { name: 'Name' });
    if (!(await nameField.isVisible())) await visitor.page.getByRole('button', { name: 'Add your details' }).click();
    await nameField.fill('Axel Attach');
    await visitor.page.getByRole('textbox', { name: 'Email' }).fill('axel@example.com');
    await visitor.page.getByRole('button', { name: 'Save details' }).click();
    await pickFiles(visitor.page, [
      { name: 'photo.png', mimeType: 'image/png', buffer: png },
      { name: 'receipt.pdf', mimeType: 'application/pdf', buffer: pdf },
    ]);
    await sendMessage(visitor.page, 'My receipt and a photo');
    await expect(widget(visitor.page).locator('[part~="message-own"]', { hasText: 'My receipt' })).toContainText(/Sent|Seen/);
    await alex.page.getByRole('option', { name: /Axel Attach/ }).click();
    const team = inbox(alex.page);
    await expect(team.getByRole('button', { name: 'View photo.png' })).toBeVisible();
    await pickFiles(alex.page, [{ name: 'label.png', mimeType: 'image/png', buffer: png }], team);
    expect(await axeViolations(alex.page)).toEqual([]);
    await team.getByRole('button', { name: 'View photo.png' }).click();
    await expect(alex.page.getByRole('dialog', { name: 'photo.png' })).toBeVisible();
    expect(await axeViolations(alex.page)).toEqual([]);
  });
});
