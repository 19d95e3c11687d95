import { css, unsafeCSS } from 'lit';
import { attachmentsCss } from '../shared/attachments.js';
import { filesCss } from '../shared/file-view.js';
import { privacyStyles } from './inbox-privacy.js';
import { toolsStyles } from './inbox-tools.styles.js';
import { baseStyles, bubbleStyles, messageStyles, themeTokens } from '../shared/theme.styles.js';

export const inboxStyles = [
  themeTokens,
  css`
    :host {
      --_note: var(--chat-note, #fef3c7);
      --_link: var(--chat-link, var(--_accent));
      display: block;
      height: var(--chat-inbox-height, 640px);
      font-family: var(--chat-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
      font-size: 15px;
      line-height: 1.4;
      color: var(--_foreground);
    }
    /* Links in the dark themes: the accent itself is too dark on a dark background (AA asks 4.5:1). */
    :host([theme='dark']) {
      --_note: var(--chat-note, #422006);
      --_link: var(--chat-link, #93c5fd);
    }
    @media (prefers-color-scheme: dark) {
      :host([theme='auto']) {
        --_note: var(--chat-note, #422006);
        --_link: var(--chat-link, #93c5fd);
      }
    }
    ${baseStyles}
    button {
      cursor: pointer;
    }
    button:disabled {
      cursor: default;
    }

    /* Two columns on wide screens; on a phone the list, then the thread. */
    .base {
      display: grid;
      grid-template-columns: minmax(280px, 360px) 1fr;
      height: 100%;
      overflow: hidden;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_background);
    }
    @media (max-width: 720px) {
      .base {
        grid-template-columns: 1fr;
      }
      .base[data-view='list'] .thread-pane,
      .base[data-view='thread'] .list-pane {
        display: none;
      }
    }
    .list-pane,
    .thread-pane {
      display: flex;
      flex-direction: column;
      min-width: 0;
      min-height: 0;
    }
    .list-pane {
      border-right: 1px solid var(--_border);
    }
    @media (max-width: 720px) {
      .list-pane {
        border-right: 0;
      }
    }

    .list-header,
    .thread-header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px;
      padding: 12px 14px;
      border-bottom: 1px solid var(--_border);
    }
    h2,
    h3 {
      margin: 0;
      font-size: 17px;
    }
    .status {
      margin: 0;
      flex: 1;
      color: var(--_muted);
      font-size: 13px;
    }
    .dot {
      display: inline-block;
      width: 8px;
      height: 8px;
      margin-right: 4px;
      border-radius: 50%;
      background: var(--_muted);
    }
    [data-status='online'] .dot,
    .online .dot {
      background: #16a34a;
    }

    /* One row of tabs, whatever the width: it scrolls sideways rather than wrap. */
    .tabs {
      display: flex;
      flex-wrap: nowrap;
      gap: 0;
      padding: 8px 6px;
      overflow-x: auto;
      border-bottom: 1px solid var(--_border);
      scrollbar-width: thin;
    }
    .tab {
      flex: 0 0 auto;
      padding: 5px 7px;
      border: 1px solid transparent;
      border-radius: 999px;
      background: transparent;
      font-size: 13px;
      white-space: nowrap;
    }
    .tab[aria-selected='true'] {
      border-color: var(--_accent);
      background: var(--_accent);
      color: var(--_accent-contrast);
    }
    .count {
      margin-left: 3px;
      font-weight: 700;
    }

    .list {
      flex: 1;
      margin: 0;
      padding: 0;
      overflow-y: auto;
      list-style: none;
    }
    .item {
      display: grid;
      grid-template-columns: 1fr auto;
      gap: 2px 8px;
      padding: 10px 14px;
      border-bottom: 1px solid var(--_border);
      cursor: pointer;
    }
    .item[aria-selected='true'] {
      background: var(--_bubble);
      box-shadow: inset 3px 0 0 var(--_accent);
    }
    .item .name {
      font-weight: 700;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .item .preview {
      grid-column: 1 / -1;
      overflow: hidden;
      color: var(--_muted);
      font-size: 14px;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .item .when {
      display: flex;
      gap: 6px;
      align-items: center;
      justify-content: flex-end;
      color: var(--_muted);
      font-size: 12px;
      white-space: nowrap;
    }
    .unread {
      min-width: 20px;
      padding: 0 6px;
      border-radius: 999px;
      background: var(--_accent);
      color: var(--_accent-contrast);
      font-size: 12px;
      font-weight: 700;
      text-align: center;
    }
    .empty,
    .choose {
      margin: 0;
      padding: 24px 14px;
      color: var(--_muted);
    }

    .link {
      padding: 0;
      border: 0;
      background: none;
      color: var(--_link);
      text-decoration: underline;
    }
    .signed-out {
      display: grid;
      justify-items: start;
      gap: 8px;
      margin: 10px;
      padding: 12px;
      border: 1px solid var(--_error);
      border-radius: 10px;
    }
    .signed-out p {
      margin: 0;
    }
    a.action {
      color: inherit;
      text-decoration: none;
    }
    .action {
      padding: 6px 12px;
      border: 1px solid var(--_border);
      border-radius: 8px;
      background: var(--_background);
    }
    .action.primary {
      border-color: var(--_accent);
      background: var(--_accent);
      color: var(--_accent-contrast);
    }
    .back {
      display: none;
    }
    @media (max-width: 720px) {
      .back {
        display: inline-block;
      }
    }
    /* Take, Assign, Resolve and the rest are easy to tap on a phone or a touch screen. */
    @media (pointer: coarse), (max-width: 720px) {
      .action {
        min-height: 44px;
      }
    }

    /* The visitor's name keeps a line of its own: on a narrow screen the actions wrap below it. */
    .who {
      flex: 1 1 14rem;
      min-width: 0;
    }
    .who h3 {
      overflow-wrap: break-word;
    }
    .who p {
      margin: 0;
      color: var(--_muted);
      font-size: 13px;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
      align-items: center;
    }
    .details {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 16px;
      margin: 0;
      padding: 8px 14px;
      border-bottom: 1px solid var(--_border);
      font-size: 13px;
    }
    .details div {
      display: flex;
      gap: 4px;
    }
    .details dt {
      color: var(--_muted);
    }
    .details dd {
      margin: 0;
    }

    .log {
      flex: 1;
      min-height: 0;
      overflow-y: auto;
      padding: 12px 14px;
    }
    ${bubbleStyles}
    .message {
      max-width: 80%;
    }
    .message.team {
      margin-left: auto;
      background: var(--_accent);
      color: var(--_accent-contrast);
    }
    .message.assistant {
      margin-left: auto;
      border: 1px solid var(--_accent);
      background: var(--_background);
    }
    .badge {
      padding: 0 5px;
      border: 1px solid currentColor;
      border-radius: 4px;
      font-size: 10px;
      letter-spacing: 0.04em;
    }
    .caret {
      display: inline-block;
      width: 0.5em;
      height: 1em;
      margin-left: 2px;
      vertical-align: text-bottom;
      background: currentColor;
    }
    @media (prefers-reduced-motion: no-preference) {
      .caret {
        animation: blink 1s steps(2) infinite;
      }
    }
    @keyframes blink {
      50% {
        opacity: 0;
      }
    }
    .activity,
    .stopped,
    .sources {
      margin: 2px 0 0;
      font-size: 12px;
      color: var(--_muted);
    }
    .sources {
      padding: 0;
      list-style: none;
    }
    .sources a {
      color: var(--_link);
    }
    .handoff q {
      display: block;
      margin-top: 2px;
      font-style: italic;
    }
    .message.note {
      margin-left: auto;
      border: 1px dashed var(--_muted);
      background: var(--_note);
      color: var(--_foreground);
    }
    ${messageStyles}
    .typing {
      min-height: 1.4em;
      margin: 0;
      padding: 0 14px;
      color: var(--_muted);
      font-size: 13px;
    }

    .composer {
      display: grid;
      grid-template-columns: 1fr auto;
      gap: 8px;
      padding: 10px 14px;
      border-top: 1px solid var(--_border);
    }
    .composer.note-mode {
      background: var(--_note);
    }
    textarea {
      grid-column: 1 / -1;
      min-height: 44px;
      max-height: 160px;
      padding: 8px 10px;
      border: 1px solid var(--_border);
      border-radius: 10px;
      background: var(--_background);
      font-size: 16px;
      resize: vertical;
    }
    .switch {
      display: flex;
      align-items: center;
      gap: 6px;
      font-size: 14px;
    }
    .switch input {
      width: 18px;
      height: 18px;
      accent-color: var(--_accent);
    }
    .send {
      padding: 8px 16px;
      border: 0;
      border-radius: 10px;
      background: var(--_accent);
      color: var(--_accent-contrast);
      font-weight: 600;
    }
    .send:disabled {
      background: var(--_border);
      color: var(--_muted);
    }
    textarea:disabled {
      background: var(--_bubble);
      cursor: not-allowed;
    }
    select {
      padding: 6px 8px;
      border: 1px solid var(--_border);
      border-radius: 8px;
      background: var(--_background);
    }

    @media (prefers-reduced-motion: no-preference) {
      .item {
        transition: background-color 120ms ease;
      }
    }
  `,
  unsafeCSS(filesCss + attachmentsCss),
  css`
    /* With files: the paperclip, the note switch, Send; the files and what was refused above, across. */
    .composer.with-files {
      grid-template-columns: auto 1fr auto;
    }
    .attachments,
    .file-notice {
      grid-column: 1 / -1;
    }
  `,
  css`
    /* The status line spans the foot of both panes; it takes no room while it says nothing. */
    .base {
      grid-template-rows: minmax(0, 1fr) auto;
    }
    .announcement {
      grid-column: 1 / -1;
      grid-row: 2;
      margin: 0;
      padding: 6px 14px;
      border-top: 1px solid var(--_border);
      color: var(--_muted);
      font-size: 13px;
    }
    .announcement:empty {
      padding: 0;
      border: 0;
    }
    .announcement.error {
      color: var(--_error);
    }

    /* The visitor's details, and beside them (or below, when narrow) what a privacy operator may do. */
    .visitor-band {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0 8px;
      padding-right: 14px;
      border-bottom: 1px solid var(--_border);
    }
    .visitor-band .details {
      flex: 1 1 auto;
      border-bottom: 0;
    }
    .message.erased {
      border: 1px dashed var(--_border);
      background: transparent;
      color: var(--_muted);
      font-style: italic;
    }
    .message.erased.end {
      margin-left: auto;
    }
  `,
  privacyStyles,
  toolsStyles,
];
