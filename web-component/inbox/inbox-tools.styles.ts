import { css } from 'lit';

/** The styles of the team's tools: the `/` list, the saved replies' dialog, search and ratings. */
export const toolsStyles = css`
  /* The composer's saved replies: a list over the top of the composer. */
  .composer {
    position: relative;
  }
  .reply-picker {
    position: absolute;
    bottom: calc(100% - 4px);
    left: 14px;
    right: 14px;
    z-index: 2;
    max-height: 232px;
    margin: 0;
    padding: 4px;
    overflow-y: auto;
    list-style: none;
    border: 1px solid var(--_border);
    border-radius: 10px;
    background: var(--_background);
    box-shadow: var(--_shadow);
  }
  .reply-picker.empty {
    padding: 8px 10px;
    color: var(--_muted);
    font-size: 14px;
  }
  .reply-option {
    display: grid;
    gap: 2px;
    padding: 6px 8px;
    border-radius: 6px;
    cursor: pointer;
  }
  .reply-option[aria-selected='true'] {
    background: var(--_bubble);
    box-shadow: inset 3px 0 0 var(--_accent);
  }
  .shortcut {
    font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
    font-size: 13px;
    font-weight: 700;
  }
  .reply-text {
    overflow: hidden;
    color: var(--_muted);
    font-size: 14px;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  /* The saved replies' dialog. */
  .list-header .replies-button {
    font-size: 13px;
  }
  .replies-dialog {
    width: min(36rem, calc(100vw - 32px));
    max-height: calc(100vh - 48px);
    padding: 20px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_foreground);
    box-shadow: var(--_shadow);
  }
  .replies-dialog::backdrop {
    background: rgb(0 0 0 / 0.45);
  }
  /* The title and Close stay in view while the dialog scrolls (on a phone it opens scrolled to the form). */
  .dialog-head {
    position: sticky;
    top: -20px;
    z-index: 1;
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    margin: -20px -20px 8px;
    padding: 20px 20px 8px;
    border-bottom: 1px solid var(--_border);
    background: var(--_background);
  }
  .replies-dialog h2 {
    font-size: 18px;
  }
  .replies-dialog h3 {
    margin: 14px 0 6px;
    font-size: 15px;
  }
  .muted {
    margin: 0 0 6px;
    color: var(--_muted);
    font-size: 13px;
  }
  .reply-rows {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .reply-row {
    display: grid;
    grid-template-columns: minmax(0, auto) minmax(0, 1fr) auto;
    align-items: center;
    gap: 2px 8px;
    padding: 6px 0;
    border-bottom: 1px solid var(--_border);
  }
  .reply-row .shortcut {
    overflow-wrap: anywhere;
  }
  .reply-row .scope {
    color: var(--_muted);
    font-size: 12px;
  }
  /* Narrow: the scope on a line of its own under the shortcut, rather than squeezed beside the buttons. */
  @media (max-width: 480px) {
    .reply-row .scope {
      grid-column: 1 / -1;
      grid-row: 2;
    }
  }
  .reply-row .reply-text {
    grid-column: 1 / -1;
    white-space: pre-wrap;
  }
  .reply-row .row-actions {
    display: flex;
    grid-column: 3;
    grid-row: 1;
    gap: 6px;
  }
  .reply-row .action {
    padding: 3px 9px;
    font-size: 13px;
  }
  .reply-form {
    display: grid;
    gap: 4px;
    margin-top: 8px;
  }
  .reply-form label {
    margin-top: 6px;
    font-weight: 600;
    font-size: 14px;
  }
  .reply-form input,
  .reply-form textarea,
  .reply-form select {
    padding: 7px 9px;
    border: 1px solid var(--_border);
    border-radius: 8px;
    background: var(--_background);
    font-size: 16px;
  }
  /* Two pixels of the error colour, so the field still reads as refused inside the focus ring. */
  .reply-form [aria-invalid='true'] {
    border-color: var(--_error);
    box-shadow: inset 0 0 0 1px var(--_error);
  }
  .hint {
    margin: 0;
    color: var(--_muted);
    font-size: 13px;
  }
  .field-error {
    margin: 0;
    color: var(--_error);
    font-size: 13px;
  }
  .reply-form .dialog-actions {
    margin-top: 10px;
  }
  .replies-status {
    margin: 8px 0 0;
    color: var(--_muted);
    font-size: 13px;
  }
  .replies-status:empty {
    margin: 0;
  }

  /* Search, under the list's header. */
  .search {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    padding: 8px 10px;
    border-bottom: 1px solid var(--_border);
  }
  .search input {
    flex: 1 1 10rem;
    min-width: 0;
    padding: 6px 9px;
    border: 1px solid var(--_border);
    border-radius: 8px;
    background: var(--_background);
    font-size: 16px;
  }
  .search .action {
    padding: 6px 10px;
  }
  .search-status {
    display: flex;
    flex-basis: 100%;
    gap: 6px;
    margin: 0;
    padding: 0;
    border: 0;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 2px 9px 2px 5px;
    border: 1px solid var(--_border);
    border-radius: 999px;
    font-size: 13px;
    cursor: pointer;
  }
  .chip:has(input:checked) {
    border-color: var(--_accent);
    background: var(--_bubble);
  }
  .chip input {
    width: 14px;
    height: 14px;
    margin: 0;
    accent-color: var(--_accent);
  }
  .search-results {
    display: flex;
    flex: 1;
    flex-direction: column;
    min-height: 0;
    overflow-y: auto;
  }
  .results-head {
    display: flex;
    align-items: baseline;
    justify-content: space-between;
    gap: 8px;
    padding: 8px 14px 0;
  }
  .results-head h3 {
    font-size: 15px;
  }
  .results-summary {
    margin: 2px 0 6px;
    padding: 0 14px;
    color: var(--_muted);
    font-size: 13px;
  }
  .results-summary.error {
    color: var(--_error);
  }
  .hits {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .hit {
    display: grid;
    gap: 2px;
    width: 100%;
    padding: 9px 14px;
    border: 0;
    border-bottom: 1px solid var(--_border);
    background: transparent;
    text-align: left;
  }
  .hit[aria-current='true'] {
    background: var(--_bubble);
    box-shadow: inset 3px 0 0 var(--_accent);
  }
  .hit-head {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 4px 8px;
  }
  .hit .name {
    font-weight: 700;
  }
  .hit time {
    margin-left: auto;
    color: var(--_muted);
    font-size: 12px;
  }
  .hit .excerpt {
    color: var(--_muted);
    font-size: 14px;
  }
  .tag {
    padding: 0 6px;
    border: 1px solid var(--_border);
    border-radius: 999px;
    color: var(--_muted);
    font-size: 12px;
  }
  mark {
    border-radius: 2px;
    background: #fde68a;
    color: #111827;
  }
  .search-results .more {
    margin: 10px 14px;
    align-self: start;
  }

  /* A message opened from search. */
  .message.found {
    outline: 3px solid #f59e0b;
    outline-offset: 2px;
  }

  /* Ratings. */
  .who .rating {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 8px;
    color: var(--_foreground);
  }
  .rating .stars,
  .rating-badge {
    color: #b45309;
  }
  :host([theme='dark']) .rating .stars,
  :host([theme='dark']) .rating-badge {
    color: #fbbf24;
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) .rating .stars,
    :host([theme='auto']) .rating-badge {
      color: #fbbf24;
    }
  }
  .rating q {
    color: var(--_muted);
    font-style: italic;
  }
  .rating-badge {
    font-size: 12px;
    font-weight: 700;
    white-space: nowrap;
  }

  /* Fingers need room: on a phone or a touch screen every control of the tools is at least 44 pixels tall. */
  @media (pointer: coarse), (max-width: 720px) {
    .search input,
    .search .action,
    .chip,
    .replies-dialog .action,
    .reply-form input,
    .reply-form select,
    .reply-option {
      min-height: 44px;
    }
    .list-header .replies-button,
    .results-head .link,
    .search-results .more {
      display: inline-flex;
      align-items: center;
      min-height: 44px;
    }
    .replies-dialog .action,
    .search .action {
      min-width: 44px;
    }
    .reply-option {
      align-content: center;
    }
    .chip {
      padding: 0 14px 0 10px;
    }
  }
`;
