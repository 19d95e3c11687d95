import type { Browser, Page } from 'playwright-core';
import { io as connectSocket } from 'socket.io-client';
import type { OperatorSessionEvent } from 'parley-chat';
import { DEMO_OPERATORS } from '../../demo/app.js';
import { onCleanup } from '../support/harness.js';
import type { OperatorClient } from '../support/operators.js';
import { expect } from 'vitest';
import { openPage, openWidget, sendMessage, type WidgetPage } from './browser.js';
import './locator-matchers.js';

/** Signs in on the demo's team page as `username`, and waits for the inbox to connect. */
export async function openInbox(browser: Browser, siteUrl: string, username: keyof typeof DEMO_OPERATORS, options = {}): Promise<WidgetPage> {
  const opened = await openPage(browser, `${siteUrl}/team`, options, { waitForWidget: false });
  await signIn(opened.page, username);
  return opened;
}

export async function signIn(page: Page, username: keyof typeof DEMO_OPERATORS): Promise<void> {
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByLabel('Password').fill(DEMO_OPERATORS[username]!.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await inbox(page).locator('[data-status="online"]').waitFor({ state: 'attached' });
}

export const inbox = (page: Page) => page.locator('chat-inbox');

/** An operator of the demo outside the browser: signed in over HTTP, connected with the session cookie. */
export async function operatorSocket(siteUrl: string, username: keyof typeof DEMO_OPERATORS): Promise<OperatorClient> {
  const form = new URLSearchParams({ username, password: DEMO_OPERATORS[username]!.password });
  const response = await fetch(`${siteUrl}/team/sign-in`, { method: 'POST', body: form, redirect: 'manual' });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`could not sign in as ${username}: ${response.status}`);
  const socket = connectSocket(`${siteUrl}/operators`, {
    path: '/chat/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { cookie },
  }) as OperatorClient;
  onCleanup(() => socket.disconnect());
  socket.session = await new Promise<OperatorSessionEvent>((resolve, reject) => {
    socket.once('session', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** A visitor of the demo's shop who said something to the team, with the name (and an email) they gave. */
export async function visitorAsks(browser: Browser, siteUrl: string, text: string, name: string): Promise<WidgetPage> {
  const visitor = await openPage(browser, `${siteUrl}/`);
  const widget = visitor.page.locator('chat-widget');
  await openWidget(visitor.page);
  // With nobody of the team online the form is already asked for; otherwise the visitor opens it.
  // Which of the two is only known once the team's state has arrived.
  await expect(widget.locator('[part="status"]')).toContainText(/typically reply|away/);
  const nameField = visitor.page.getByRole('textbox', { name: 'Name' });
  const addDetails = visitor.page.getByRole('button', { name: 'Add your details' });
  // The form comes with its own piece (chat-details.js): wait for it, or for the button that opens it.
  await expect(nameField.or(addDetails).first()).toBeVisible();
  if (!(await nameField.isVisible())) await addDetails.click();
  await nameField.fill(name);
  await visitor.page.getByRole('textbox', { name: 'Email' }).fill(`${name.toLowerCase().replace(/\W/g, '')}@example.com`);
  await visitor.page.getByRole('button', { name: 'Save details' }).click();
  await sendMessage(visitor.page, text);
  await expect(widget.locator('[part~="message-own"]', { hasText: text })).toContainText(/Sent|Seen/);
  return visitor;
}
