import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatServerOptions } from 'parley-chat';
import { startDemo } from '../../demo/app.js';
import { connectMongo, onCleanup } from '../support/harness.js';
import { Scripted } from '../support/scripted-assistant.js';
import { axeViolations, launchChromium, openPage, openWidget, sendMessage } from './browser.js';
import './locator-matchers.js';
import { inbox, openInbox } from './team.js';

// The assistant in Chromium, on the demo with a scripted `reply`: the visitor's choice, a reply
// streaming in, "Talk to a person", the team's hours, and the inbox's side of it.

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

const widget = (page: Page) => page.locator('chat-widget');

async function siteWithAssistant(chatOptions: Partial<ChatServerOptions> = {}, when?: 'always') {
  const script = new Scripted();
  const assistant = { name: 'Parley Assistant', reply: script.reply, ...(when ? { when } : {}) };
  // A database of its own: each site's inbox lists only its own conversations.
  const site = await startDemo({ connection: await connectMongo(), port: 0, chatOptions: { assistant, ...chatOptions } });
  onCleanup(() => site.close());
  return { site, script };
}

describe('the assistant in the widget', () => {
  it('offers the assistant or a person, streams the reply with its sources, and lets the visitor ask for a person', async () => {
    const { site, script } = await siteWithAssistant();
    const { page, problems } = await openPage(browser, `${site.url}/`);
    await openWidget(page);
    // Nobody of the team is online: the honest line, and both choices.
    const choice = widget(page).getByRole('group', { name: 'Who would you like to talk to?' });
    await expect(choice).toBeVisible();
    await expect(choice.getByRole('button', { name: /Talk to a person/ })).toContainText('as soon as someone of the team is online');
    await choice.getByRole('button', { name: 'Ask the assistant' }).click();
    await expect(choice).toHaveCount(0);

    await sendMessage(page, 'Do you ship to Norway?');
    await expect.poll(() => script.contexts.length).toBe(1);
    const reply = widget(page).locator('[part~="message-assistant"]');
    await expect(reply).toContainText('Parley Assistant');
    await expect(reply.locator('.badge')).toHaveText('AI');
    script.contexts[0]!.status('searching');
    await expect(reply.locator('.activity')).toHaveText('Searching…');
    script.push('We ship ');
    await expect(reply).toContainText('We ship');
    // While it streams, screen readers are not read every piece: the text is hidden from them.
    await expect(reply.locator('.text')).toHaveAttribute('aria-hidden', 'true');
    await expect(reply.locator('.caret')).toHaveCount(1);
    script.contexts[0]!.cite({ title: 'Shipping', url: 'https://shop.example/shipping' });
    script.push('to Norway in 3–5 days.');
    script.end();
    await expect(reply.locator('p.text')).toHaveText('We ship to Norway in 3–5 days.');
    await expect(reply.locator('.caret')).toHaveCount(0);
    await expect(reply.getByRole('link', { name: 'Shipping' })).toHaveAttribute('href', 'https://shop.example/shipping');

    // "Talk to a person" is always in reach while the assistant answers.
    const bar = widget(page).locator('.bar');
    await sendMessage(page, 'And returns?');
    await expect.poll(() => script.contexts.length).toBe(2);
    script.push('Returns are ');
    await expect(widget(page).locator('[part~="message-assistant"]').nth(1)).toContainText('Returns are');
    await bar.getByRole('button', { name: 'Talk to a person' }).click();
    await expect(widget(page).locator('[part~="message-assistant"]').nth(1).locator('.stopped')).toHaveText('Stopped');
    await expect(bar).toHaveCount(0);
    expect(script.contexts[1]!.signal.aborted).toBe(true);
    expect(problems).toEqual([]);
  });

  it('tells the visitor when the team is back, outside hours, in their own time zone', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const every = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
    const { site } = await siteWithAssistant({
      hours: { timeZone: 'UTC', weekly: [{ days: [...every], from: '09:00', to: '17:00' }], closed: [day(0), day(1)], awayMessage: 'We are at the trade fair.' },
    });
    const { page } = await openPage(browser, `${site.url}/support`, { timezoneId: 'America/New_York', locale: 'en-US' });
    await openWidget(page);
    const personButton = widget(page).getByRole('button', { name: /Talk to a person/ });
    // 09:00 UTC the day after tomorrow is 04:00 in New York (05:00 in summer).
    const weekday = new Date(`${day(2)}T12:00:00Z`).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
    await expect(personButton).toContainText(`We are at the trade fair. The team is back ${weekday}`);
    await expect(personButton).toContainText(/[45]:00 AM/);
    await personButton.click();
    await expect(widget(page).locator('.bar')).toContainText('The team is back');
  });

  it('has no serious accessibility violations with the choice and a reply streaming, in both themes', async () => {
    const { site, script } = await siteWithAssistant();
    for (const theme of ['light', 'dark']) {
      const { page } = await openPage(browser, `${site.url}/`, { bypassCSP: true });
      await widget(page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await openWidget(page);
      await expect(widget(page).getByRole('button', { name: 'Ask the assistant' })).toBeVisible();
      expect(await axeViolations(page), `${theme}, choice`).toEqual([]);
      await widget(page).getByRole('button', { name: 'Ask the assistant' }).click();
      await sendMessage(page, `Axe ${theme}`);
      await expect.poll(() => script.contexts.length).toBeGreaterThan(0);
      script.push('Checking');
      await expect(widget(page).locator('[part~="message-assistant"]')).toContainText('Checking');
      expect(await axeViolations(page), `${theme}, streaming`).toEqual([]);
      script.end();
    }
  });
});

describe('the assistant in the inbox', () => {
  it('lists what the assistant answers, streams its reply live, shows a handoff, and lets an operator take over', async () => {
    const { site, script } = await siteWithAssistant({}, 'always');
    const alex = await openInbox(browser, site.url, 'alex');
    const tab = inbox(alex.page).getByRole('tab', { name: /Assistant/ });
    await tab.click();

    const visitor = await openPage(browser, `${site.url}/`);
    await openWidget(visitor.page);
    await sendMessage(visitor.page, 'Where is my parcel?');
    // (Its last message may already be the assistant's reply, starting.)
    await inbox(alex.page).getByRole('option').first().click();
    await expect(inbox(alex.page).locator('[part="thread-header"]')).toContainText('Parley Assistant answers this conversation');
    await expect.poll(() => script.contexts.length).toBe(1);
    script.push('Your parcel left our warehouse');
    const live = inbox(alex.page).locator('[part~="message-assistant"]');
    await expect(live).toContainText('Your parcel left our warehouse');
    await expect(live.locator('.badge')).toHaveText('AI');

    // The operator takes over mid-reply: it stops, and the conversation is theirs.
    await inbox(alex.page).getByRole('button', { name: 'Take over' }).click();
    await expect(live.locator('.stopped')).toHaveText('Stopped');
    await expect(inbox(alex.page).locator('[part="thread-header"]')).toContainText('Assigned to you');
    expect(script.contexts[0]!.signal.aborted).toBe(true);

    // Another visitor, and the model hands off: the team sees why.
    const other = await openPage(browser, `${site.url}/`);
    await openWidget(other.page);
    await sendMessage(other.page, 'I want a refund');
    await expect.poll(() => script.contexts.length).toBe(2);
    script.contexts[1]!.handoff({ reason: 'refund', summary: 'Wants a refund for order 1234' });
    script.push('A person will help you.');
    script.end();
    await inbox(alex.page).getByRole('tab', { name: /Unassigned/ }).click();
    await inbox(alex.page).getByRole('option', { name: /A person will help you/ }).click();
    await expect(inbox(alex.page).locator('.handoff')).toContainText('Handed to the team: refund');
    await expect(inbox(alex.page).locator('.handoff')).toContainText('Wants a refund for order 1234');
  });

  it('has no serious accessibility violations with the Assistant tab and a reply, in both themes', async () => {
    const { site, script } = await siteWithAssistant({}, 'always');
    const visitor = await openPage(browser, `${site.url}/`);
    await openWidget(visitor.page);
    await sendMessage(visitor.page, 'Axe for the inbox');
    await expect.poll(() => script.contexts.length).toBe(1);
    script.push('An answer');
    script.contexts[0]!.cite({ title: 'FAQ', url: 'https://shop.example/faq' });
    script.end();
    for (const theme of ['light', 'dark']) {
      const alex = await openInbox(browser, site.url, 'alex', { bypassCSP: true });
      await inbox(alex.page).evaluate((element, value) => element.setAttribute('theme', value), theme);
      await inbox(alex.page).getByRole('tab', { name: /Assistant/ }).click();
      await inbox(alex.page).getByRole('option', { name: /An answer/ }).click();
      await expect(inbox(alex.page).getByRole('link', { name: 'FAQ' })).toBeVisible();
      expect(await axeViolations(alex.page), theme).toEqual([]);
    }
  });
});
