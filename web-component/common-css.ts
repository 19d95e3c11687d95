// CSS that the widget and the inbox share, as plain text: the widget's launcher adds it without
// Lit, and the inbox wraps it with unsafeCSS (theme.styles.ts).

/** What each shadow root starts from: box sizing, `hidden`, a visually hidden class, controls in the element's font, the focus ring. */
export const baseCss = `
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
`;

/** The parts of a message bubble that look the same everywhere: pending, failed, sender, text, the meta line. */
export const messageCss = `
  .message.pending {
    opacity: 0.75;
  }
  .message.failed {
    border: 2px solid var(--_error);
    background: var(--_background);
    color: var(--_foreground);
  }
  .sender {
    display: block;
    font-size: 12px;
    font-weight: 700;
  }
  .text {
    margin: 2px 0;
    white-space: pre-wrap;
  }
  .text a {
    color: inherit;
  }
  .meta {
    display: flex;
    gap: 8px;
    justify-content: flex-end;
    font-size: 12px;
  }
`;
