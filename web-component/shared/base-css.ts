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

/** The message list, its older-messages row and a bubble; each view sets a bubble's `max-width`. */
export const bubbleCss = `
  .messages {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .older {
    text-align: center;
  }
  .message {
    margin: 0 0 10px;
    padding: 8px 11px;
    border-radius: var(--_radius);
    background: var(--_bubble);
    /* Long words and links wrap where they may (links offer breaks after / ? & = #), mid-word only when nothing else fits. */
    overflow-wrap: break-word;
  }
`;

/**
 * The parts of a message that look the same everywhere: pending, failed, sender, text, the meta
 * line. After each view's own kinds of message, so a failed one looks failed whatever its kind.
 */
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

  /* Runs of one sender ("end": the side of the reader's own): the name on the first, the time on the last, the others' on hover or focus. */
  .message {
    position: relative;
  }
  .message:not(.first) {
    margin-top: -6px;
  }
  .message:not(.last) .meta {
    position: absolute;
    top: 50%;
    transform: translateY(-50%);
    color: var(--_muted);
    white-space: nowrap;
    opacity: 0;
    pointer-events: none;
  }
  .message.end:not(.last) .meta {
    right: calc(100% + 6px);
  }
  .message:not(.end):not(.last) .meta {
    left: calc(100% + 6px);
  }
  .message:not(.last):hover .meta,
  .message:not(.last):focus-within .meta {
    opacity: 1;
  }
  .day {
    margin: 6px 0 10px;
    color: var(--_muted);
    font-size: 12px;
    text-align: center;
  }

`;
