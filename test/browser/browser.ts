import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { onCleanup } from '../support/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's Chromium, driven by playwright-core; closed at the end of the file. Playwright gives
 * every launch a fresh temporary profile.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install it (on Debian: apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  onCleanup(() => browser.close());
  return browser;
}

export interface WidgetPage {
  context: BrowserContext;
  page: Page;
  /** Problems the page reported: script errors, console errors, CSP violations. */
  problems: string[];
}

/**
 * A new browser context (its own storage and cookies: a separate visitor or operator) with a page
 * at `url`; by default it waits for the page's widget to connect.
 */
export async function openPage(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
  { waitForWidget = true } = {},
): Promise<WidgetPage> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, ...options });
  onCleanup(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await page.goto(url);
  // The page loads the launcher only; the chat connects when it is opened (see openWidget).
  if (waitForWidget) await page.locator('chat-widget').locator('[part="launcher"]').waitFor();
  return { context, page, problems };
}

/** Resolves once the widget says it is connected. */
export async function waitForConnected(page: Page): Promise<void> {
  await page.locator('chat-widget').locator('[part="status"][data-status="online"]').waitFor({ state: 'attached' });
}

/** Opens the chat window, which loads it and connects, and waits until it is connected. */
export async function openWidget(page: Page): Promise<void> {
  await page.getByRole('button', { name: /open chat/i }).click();
  await page.getByRole('dialog').waitFor();
  await waitForConnected(page);
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
}

/** The text of every message in the log, in order. */
export function logTexts(page: Page): Promise<string[]> {
  return page.locator('chat-widget').locator('[part~="text"]').allInnerTexts();
}

let axeSource: string | undefined;

/**
 * axe-core's serious and critical violations on the page (WCAG 2.1 A and AA, and best practice),
 * one line each. axe is injected as a script, which the demo's CSP rightly forbids: open the page
 * in a context with `bypassCSP: true`.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<any> } }).axe;
    const result = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] });
    return result.violations
      .filter((violation: { impact: string }) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation: { id: string; help: string; nodes: Array<{ target: unknown; failureSummary: string }> }) => `${violation.id} (${violation.help}): ${JSON.stringify(violation.nodes.map((n) => [n.target, n.failureSummary]))}`);
  });
}
