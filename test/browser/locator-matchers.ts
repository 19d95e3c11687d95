import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

const TIMEOUT_MS = 5000;

interface Check {
  pass: boolean;
  actual: unknown;
}

/**
 * Retrying assertions on Playwright locators for Vitest (the ones `@playwright/test` has built in):
 * each polls the page until it holds, or fails after a few seconds with what it last saw.
 */
function retrying(description: string, check: (locator: Locator, ...args: any[]) => Promise<Check>) {
  return async function (this: { isNot?: boolean }, locator: Locator, ...args: unknown[]) {
    // Vitest leaves isNot undefined unless the assertion is negated.
    const negated = Boolean(this.isNot);
    const deadline = Date.now() + TIMEOUT_MS;
    let last: Check = { pass: false, actual: undefined };
    for (;;) {
      try {
        last = await check(locator, ...args);
      } catch (error) {
        last = { pass: false, actual: error instanceof Error ? error.message.split('\n')[0] : error };
      }
      if (last.pass !== negated || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const expected = args.length ? ` ${args.map((arg) => JSON.stringify(String(arg))).join(' ')}` : '';
    return {
      pass: last.pass,
      message: () =>
        `expected ${locator} ${negated ? 'not ' : ''}${description}${expected}; last saw ${JSON.stringify(last.actual)}`,
    };
  };
}

const attribute = (locator: Locator, name: string) => locator.getAttribute(name, { timeout: 500 });

expect.extend({
  toBeVisible: retrying('to be visible', async (locator) => {
    const visible = await locator.isVisible();
    return { pass: visible, actual: visible };
  }),
  toBeHidden: retrying('to be hidden', async (locator) => {
    const hidden = await locator.isHidden();
    return { pass: hidden, actual: hidden };
  }),
  toHaveCount: retrying('to have count', async (locator, count: number) => {
    const actual = await locator.count();
    return { pass: actual === count, actual };
  }),
  toBeEnabled: retrying('to be enabled', async (locator) => {
    const enabled = await locator.isEnabled({ timeout: 500 });
    return { pass: enabled, actual: enabled };
  }),
  toBeDisabled: retrying('to be disabled', async (locator) => {
    const disabled = await locator.isDisabled({ timeout: 500 });
    return { pass: disabled, actual: disabled };
  }),
  toBeFocused: retrying('to be focused', async (locator) => {
    const focused = await locator.evaluate((element) => element.matches(':focus'), undefined, { timeout: 500 });
    return { pass: focused, actual: focused };
  }),
  toHaveAttribute: retrying('to have attribute', async (locator, name: string, value: string) => {
    const actual = await attribute(locator, name);
    return { pass: actual === value, actual };
  }),
  toContainText: retrying('to contain text', async (locator, text: string | RegExp) => {
    const actual = await locator.innerText({ timeout: 500 });
    return { pass: typeof text === 'string' ? actual.includes(text) : text.test(actual), actual };
  }),
  toHaveText: retrying('to have text', async (locator, text: string) => {
    const actual = (await locator.innerText({ timeout: 500 })).trim();
    return { pass: actual === text, actual };
  }),
  toHaveValue: retrying('to have value', async (locator, value: string) => {
    const actual = await locator.inputValue({ timeout: 500 });
    return { pass: actual === value, actual };
  }),
  toHaveCSS: retrying('to have CSS', async (locator, property: string, value: string) => {
    const actual = await locator.evaluate(
      (element, name) => getComputedStyle(element).getPropertyValue(name),
      property,
      { timeout: 500 },
    );
    return { pass: actual === value, actual };
  }),
  toHaveAccessibleDescription: retrying('to have accessible description', async (locator, description: RegExp) => {
    // The description is the text of the elements aria-describedby names, in the same root.
    const actual = await locator.evaluate((element) => {
      const root = element.getRootNode() as Document | ShadowRoot;
      return (element.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .map((id) => (id ? root.getElementById(id)?.textContent ?? '' : ''))
        .join(' ')
        .trim();
    }, undefined, { timeout: 500 });
    return { pass: description.test(actual), actual };
  }),
});

declare module 'vitest' {
  interface Assertion<T> {
    toBeVisible(): Promise<void>;
    toBeHidden(): Promise<void>;
    toHaveCount(count: number): Promise<void>;
    toBeEnabled(): Promise<void>;
    toBeDisabled(): Promise<void>;
    toBeFocused(): Promise<void>;
    toHaveAttribute(name: string, value: string): Promise<void>;
    toContainText(text: string | RegExp): Promise<void>;
    toHaveText(text: string): Promise<void>;
    toHaveValue(value: string): Promise<void>;
    toHaveCSS(property: string, value: string): Promise<void>;
    toHaveAccessibleDescription(description: RegExp): Promise<void>;
  }
}
