import { unsafeCSS } from 'lit';
import { themeTokensCss } from './theme-tokens.js';

/** The shared theme (see theme-tokens.ts) for Lit elements. */
export const themeTokens = unsafeCSS(themeTokensCss);
