import { bubbleCss, messageCss } from '../shared/base-css.js';

/**
 * The chat window's styles. They are added to the `<chat-widget>`'s shadow root beside the
 * launcher's (chat-widget.styles.ts), so `:host` is the widget and the launcher's rules apply too.
 */
export const panelCss = `
  /* The window, and the preview of a reply that stands in its place while it is closed. */
  .panel,
  .preview {
    position: absolute;
    bottom: calc(var(--chat-launcher-size, 56px) + 12px);
    right: 0;
  }
  :host([position='bottom-left']) .panel,
  :host([position='bottom-left']) .preview {
    right: auto;
    left: 0;
  }
  .panel,
  .preview-card {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    box-shadow: var(--_shadow);
    animation: rise 0.18s ease-out;
  }
  .panel {
    display: flex;
    flex-direction: column;
    width: min(var(--chat-width, 370px), calc(100vw - 2 * var(--_offset)));
    height: min(var(--chat-height, 560px), calc(100vh - 120px));
    overflow: hidden;
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
    align-items: baseline;
    gap: 6px;
    margin: 2px 0 0;
    font-size: 13px;
  }
  /* The dot tells whether someone answers: the connection while there is none, then the team. */
  .dot {
    flex: 0 0 8px;
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: #fbbf24;
  }
  .status[data-status='online'] .dot {
    background: #4ade80;
  }
  .status[data-status='online'][data-team='away'] .dot {
    border: 1.5px solid currentColor;
    background: transparent;
  }
  .status[data-status='offline'] .dot,
  .status[data-status='refused'] .dot {
    background: #f87171;
  }
  .header .link {
    color: inherit;
  }
  .close {
    display: grid;
    flex-shrink: 0;
    place-items: center;
    width: 44px;
    height: 44px;
    margin: -8px -8px 0 0;
    padding: 0;
    border: none;
    border-radius: 8px;
    background: transparent;
    color: inherit;
    cursor: pointer;
  }
  .close svg {
    width: 18px;
    height: 18px;
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
  .sender {
    display: flex;
    align-items: center;
    gap: 6px;
    margin-bottom: 2px;
  }

  .avatar {
    display: inline-grid;
    flex: 0 0 auto;
    place-items: center;
    width: 32px;
    height: 32px;
    border-radius: 50%;
    object-fit: cover;
    background: var(--_accent);
    color: var(--_accent-contrast);
    font-size: 13px;
    font-weight: 700;
  }
  .sender .avatar {
    width: 22px;
    height: 22px;
    font-size: 10px;
  }
  .welcome {
    margin: 4px 0 14px;
    text-align: center;
  }
  .faces {
    display: flex;
    justify-content: center;
    margin-bottom: 8px;
  }
  .faces .avatar {
    width: 40px;
    height: 40px;
    border: 2px solid var(--_background);
    font-size: 14px;
  }
  .faces .avatar + .avatar {
    margin-left: -8px;
  }
  .greeting {
    margin: 0;
    font-weight: 600;
  }
  .team-names {
    margin: 2px 0 0;
    color: var(--_muted);
    font-size: 13px;
  }
  .failed .state {
    color: var(--_error);
  }

  .typing,
  .notice {
    margin: 0;
    padding: 0 16px;
    color: var(--_muted);
    font-size: 13px;
  }
  .typing {
    min-height: 1.4em;
  }
  .notice {
    padding-block: 4px;
  }
  .notice.resolved {
    padding: 8px 16px;
    border-bottom: 1px solid var(--_border);
  }

  .error {
    margin: 0;
    color: var(--_error);
    font-size: 13px;
  }
  input,
  textarea {
    width: 100%;
    padding: 7px 10px;
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

  .preview-card {
    display: flex;
    align-items: flex-start;
    width: max-content;
    max-width: min(300px, calc(100vw - 2 * var(--_offset)));
  }
  .preview-open {
    display: flex;
    flex: 1;
    gap: 10px;
    align-items: flex-start;
    min-width: 0;
    padding: 12px 4px 12px 12px;
    border: none;
    border-radius: var(--_radius) 0 0 var(--_radius);
    background: none;
    text-align: start;
    cursor: pointer;
  }
  .preview-body {
    display: grid;
    min-width: 0;
    font-size: 14px;
  }
  .preview-text {
    display: -webkit-box;
    overflow: hidden;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 2;
  }
  .preview .close {
    margin: 0;
    color: var(--_muted);
  }

  /* Fingers need room: every control at least 44 by 44 pixels. */
  @media (pointer: coarse), (max-width: 480px) {
    .send,
    .primary,
    .link,
    .header .link {
      min-height: 44px;
    }
    .link {
      min-width: 44px;
    }
  }

  @media (max-width: 480px) {
    /* The whole screen, clear of the notch and the home bar. */
    .panel {
      position: fixed;
      inset: 0;
      width: 100%;
      height: 100%;
      border: none;
      border-radius: 0;
    }
    .header {
      padding-top: calc(14px + env(safe-area-inset-top, 0px));
      padding-left: calc(16px + env(safe-area-inset-left, 0px));
      padding-right: calc(14px + env(safe-area-inset-right, 0px));
    }
    .composer {
      padding-bottom: calc(12px + env(safe-area-inset-bottom, 0px));
      padding-left: calc(12px + env(safe-area-inset-left, 0px));
      padding-right: calc(12px + env(safe-area-inset-right, 0px));
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .panel,
    .preview-card {
      animation: none;
    }
  }
`;
