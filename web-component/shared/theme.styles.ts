import { unsafeCSS } from 'lit';
import { baseCss, bubbleCss, messageCss } from './base-css.js';
import { themeTokensCss } from './theme-tokens.js';

/** The shared theme (see theme-tokens.ts) for Lit elements. */
export const themeTokens = unsafeCSS(themeTokensCss);
/** The shared base, bubble and message styles (see common-css.ts) for Lit elements. */
export const baseStyles = unsafeCSS(baseCss);
export const bubbleStyles = unsafeCSS(bubbleCss);
export const messageStyles = unsafeCSS(messageCss);
