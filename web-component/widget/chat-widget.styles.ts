import { baseCss } from '../shared/base-css.js';
import { themeTokensCss } from '../shared/theme-tokens.js';

/**
 * The launcher's styles, and what the whole widget shares: its place on the page, theme, font
 * and focus ring. Plain CSS text, so that the launcher costs no Lit; the chat window's styles
 * (chat-panel.styles.ts) join these in the same shadow root when it loads.
 */
export const launcherCss = `${themeTokensCss}

  :host {
    --_offset: var(--chat-offset, 20px);
    position: fixed;
    bottom: calc(var(--_offset) + env(safe-area-inset-bottom, 0px));
    right: calc(var(--_offset) + env(safe-area-inset-right, 0px));
    z-index: var(--chat-z-index, 2147483000);
    font-family: var(--chat-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: 15px;
    line-height: 1.4;
    color: var(--_foreground);
  }
  :host([position='bottom-left']) {
    right: auto;
    left: calc(var(--_offset) + env(safe-area-inset-left, 0px));
  }

${baseCss}

  .launcher {
    position: relative;
    display: grid;
    place-items: center;
    width: var(--chat-launcher-size, 56px);
    height: var(--chat-launcher-size, 56px);
    border: none;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_accent-contrast);
    box-shadow: var(--_shadow);
    cursor: pointer;
    transition: transform 0.15s ease;
  }
  .launcher:hover {
    transform: scale(1.05);
  }
  .launcher svg {
    width: 26px;
    height: 26px;
    fill: currentColor;
  }
  .badge {
    position: absolute;
    top: -4px;
    right: -4px;
    min-width: 22px;
    height: 22px;
    padding: 0 6px;
    border-radius: 11px;
    background: #b91c1c;
    color: #ffffff;
    font-size: 12px;
    font-weight: 700;
    line-height: 22px;
  }

  @media (max-width: 480px) {
    /* The window fills the screen and has its own close button. */
    :host([open]) .launcher {
      display: none;
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .launcher {
      transition: none;
    }
    .launcher:hover {
      transform: none;
    }
  }
`;
