import { bubbleCss, messageCss } from '../shared/base-css.js';

/**
 * The chat window's styles. They are added to the `<chat-widget>`'s shadow root beside the
 * launcher's (chat-widget.styles.ts), so `:host` is the widget and the launcher's rules apply too.
 */
export const panelCss = `
  .panel {
    position: absolute;
    bottom: calc(var(--chat-launcher-size, 56px) + 12px);
    right: 0;
    display: flex;
    flex-direction: column;
    width: min(var(--chat-width, 370px), calc(100vw - 2 * var(--_offset)));
    height: min(var(--chat-height, 560px), calc(100vh - 120px));
    overflow: hidden;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    box-shadow: var(--_shadow);
    animation: rise 0.18s ease-out;
  }
  :host([position='bottom-left']) .panel {
    right: auto;
    left: 0;
  }
  @keyframes rise {
    from {
      opacity: 0;
      transform: translateY(8px);
    }
  }

  /* In a short window the log and the details form give up space; header and composer never do. */
  .header,
  .composer,
  .typing,
  ::slotted([slot='intro']) {
    flex-shrink: 0;
  }
  .header {
    display: flex;
    align-items: flex-start;
    gap: 8px;
    padding: 14px 14px 10px 16px;
    background: var(--_accent);
    color: var(--_accent-contrast);
  }
  .header > div {
    flex: 1;
    min-width: 0;
  }
  h2 {
    margin: 0;
    font-size: 17px;
  }
  .status-row {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    column-gap: 10px;
  }
  .status {
    display: flex;
    align-items: center;
    gap: 6px;
    margin: 2px 0 0;
    font-size: 13px;
  }
  .dot {
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: #fbbf24;
  }
  .status[data-status='online'] .dot {
    background: #4ade80;
  }
  .status[data-status='offline'] .dot {
    background: #f87171;
  }
  .header .link {
    color: inherit;
  }
  .close {
    display: grid;
    place-items: center;
    width: 32px;
    height: 32px;
    padding: 0;
    border: none;
    border-radius: 8px;
    background: transparent;
    color: inherit;
    cursor: pointer;
  }
  .close svg {
    width: 20px;
    height: 20px;
    stroke: currentColor;
    stroke-width: 2;
  }

  .log {
    flex: 1 1 auto;
    min-height: 48px;
    padding: 12px 14px;
    overflow-y: auto;
    overscroll-behavior: contain;
  }
${bubbleCss}
  .message {
    max-width: 85%;
  }
  .message.own {
    margin-left: auto;
    background: var(--_accent);
    color: var(--_accent-contrast);
  }
  .message.team {
    border-left: 3px solid var(--_accent);
  }
${messageCss}
  .failed .state {
    color: var(--_error);
  }

  .typing {
    min-height: 1.4em;
    margin: 0;
    padding: 0 16px;
    color: var(--_muted);
    font-size: 13px;
  }
  .notice {
    margin: 0;
    padding: 4px 16px;
    color: var(--_muted);
    font-size: 13px;
  }
  .notice.resolved {
    padding: 8px 16px;
    border-bottom: 1px solid var(--_border);
  }

  /* The details form keeps its whole height, Save included: the log gives way to it instead. */
  .details {
    display: grid;
    flex: 0 0 auto;
    gap: 6px;
    padding: 10px 16px 12px;
    border-top: 1px solid var(--_border);
  }
  .details-open .log {
    flex: 1 1 0;
    min-height: 0;
  }
  .details-open .typing {
    display: none;
  }
  .details h3 {
    margin: 0;
    font-size: 15px;
  }
  .field {
    display: grid;
    gap: 2px;
  }
  .field label {
    font-size: 13px;
    font-weight: 600;
  }
  .hint {
    margin: 0;
    color: var(--_muted);
    font-size: 12px;
  }
  .error {
    margin: 0;
    color: var(--_error);
    font-size: 13px;
  }
  input,
  textarea {
    width: 100%;
    padding: 8px 10px;
    border: 1px solid var(--_border);
    border-radius: 8px;
    background: var(--_background);
    /* 16px keeps mobile browsers from zooming into the field. */
    font-size: 16px;
  }
  .actions {
    display: flex;
    gap: 12px;
    align-items: center;
  }
  input[aria-invalid='true'] {
    border-color: var(--_error);
  }

  .composer {
    display: flex;
    gap: 8px;
    align-items: flex-end;
    padding: 10px 12px 12px;
    border-top: 1px solid var(--_border);
  }
  textarea {
    flex: 1;
    max-height: 120px;
    resize: none;
  }
  .send,
  .primary {
    padding: 9px 16px;
    border: none;
    border-radius: 8px;
    background: var(--_accent);
    color: var(--_accent-contrast);
    font-weight: 600;
    cursor: pointer;
  }
  /* Disabled is told by colour and border, not by fading: a faded accent vanishes on a dark page. */
  .send:disabled {
    border: 1px solid var(--_border);
    background: var(--_bubble);
    color: var(--_muted);
    cursor: default;
  }
  .link {
    padding: 2px 4px;
    border: none;
    background: none;
    text-decoration: underline;
    cursor: pointer;
    font-size: 13px;
  }

  @media (max-width: 480px) {
    .panel {
      position: fixed;
      inset: 0;
      width: 100%;
      height: 100%;
      border: none;
      border-radius: 0;
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .panel {
      animation: none;
    }
  }
`;
