// The widget and the inbox share one theme. Each custom property falls back to a theme token, so
// a page can restyle one piece without restating the rest. Colours meet WCAG AA contrast in both
// themes. Plain CSS text, so the widget's launcher can use it without loading Lit.
const darkTokens = `
  color-scheme: dark;
  --_background: var(--chat-background, #111827);
  --_foreground: var(--chat-foreground, #f9fafb);
  --_muted: var(--chat-muted, #b4bcc8);
  --_border: var(--chat-border, #374151);
  --_bubble: var(--chat-bubble, #1f2937);
  --_error: var(--chat-error, #fca5a5);
  --_shadow: 0 12px 40px rgb(0 0 0 / 0.5);
`;

export const themeTokensCss = `
  :host {
    --_accent: var(--chat-accent, #2563eb);
    --_accent-contrast: var(--chat-accent-contrast, #ffffff);
    --_background: var(--chat-background, #ffffff);
    --_foreground: var(--chat-foreground, #111827);
    --_muted: var(--chat-muted, #4b5563);
    --_border: var(--chat-border, #d1d5db);
    --_bubble: var(--chat-bubble, #f3f4f6);
    --_error: var(--chat-error, #b91c1c);
    --_radius: var(--chat-radius, 14px);
    --_shadow: 0 12px 40px rgb(15 23 42 / 0.18);
  }
  :host([theme='dark']) {
    ${darkTokens}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${darkTokens}
    }
  }
`;
