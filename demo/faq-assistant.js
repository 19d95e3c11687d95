// The demo's assistant: no model and no API key, only the shop's own FAQ page. It finds the entry
// that best shares the words of the visitor's question (rarer words weigh more), streams that
// entry's answer word by word and cites it; with no entry close enough, or when the visitor asks
// for a person, it says so and hands the conversation to the team. The same question always gets
// the same answer, so the demo and its tests can rely on it.

/**
 * One answer of the FAQ page.
 * @typedef {object} FaqEntry
 * @property {string} id The section's id: the page's anchor for it.
 * @property {string} title What a citation calls it.
 * @property {string} question
 * @property {string} answer What the assistant says, as plain text.
 * @property {string} keywords Words visitors use for it that the answer does not.
 */

/** Common words that say nothing about which answer a visitor wants. */
const STOP_WORDS = new Set(
  `a an the i im me my mine we us our you your yours it its is are am was were be been being do does did
  doing done can could would should will shall may might must to of in on at by for from with about into over
  under as and or but if so than then that this these those there here what whats when where which who whom
  whose why how have has had having get gets got please pls hi hello hey hei good morning afternoon evening
  thanks thank thx cheers ok okay yes no not any some all just also too very really want wanted like
  need know tell say said let lets much many more one thing things anything something question questions
  ask asking help don doesn didn isn aren won cannot`.split(/\s+/),
);
/** Below this score nothing matched enough to answer with: the question goes to the team. */
const ANSWER_SCORE = 3;
/** What the model's handoff summary keeps of a visitor's message. */
const SUMMARY_LENGTH = 500;

/** The ways visitors ask for a person rather than the assistant. */
const ASKS_FOR_A_PERSON = [
  /\b(human|humans|real person|live person|live agent|representative|operator|not a (ro)?bot)\b/,
  /\b(talk|speak|chat|write)\b.{0,30}\b(someone|somebody|a person|people|an agent|the team|your team|anyone)\b/,
  /^\W*(an? )?(agent|person|human|team|someone)\W*$/,
];
const THANKS = /\b(thanks|thank|thx|cheers|great|perfect|brilliant)\b/;

/**
 * Reads the entries of the FAQ page (`section.faq-entry`: its id, data-title, data-keywords, the
 * question in its h2, the answer in its paragraphs). The page is the one source of what the
 * assistant knows, so what it says is what the page the citation links to says.
 * @param {string} html
 * @returns {FaqEntry[]}
 */
export function readFaq(html) {
  /** @type {FaqEntry[]} */
  const entries = [];
  for (const [, attributes = '', body = ''] of html.matchAll(/<section class="faq-entry"([^>]*)>([\s\S]*?)<\/section>/g)) {
    const attribute = (/** @type {string} */ name) => decode(new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)?.[1] ?? '');
    const question = plainText(/<h2[^>]*>([\s\S]*?)<\/h2>/.exec(body)?.[1] ?? '');
    const answer = [...body.matchAll(/<p[^>]*>([\s\S]*?)<\/p>/g)].map((match) => plainText(match[1] ?? '')).join('\n\n');
    const id = attribute('id');
    if (!id || !answer) throw new Error(`The FAQ page has an entry without an id or an answer: ${question || attributes}`);
    entries.push({ id, title: attribute('data-title') || question, question, answer, keywords: attribute('data-keywords') });
  }
  if (entries.length === 0) throw new Error('The FAQ page has no <section class="faq-entry"> to answer from');
  return entries;
}

/**
 * The demo's `assistant.reply`: answers the visitor's latest message from `entries`, citing the
 * entry at `${origin}/faq#<id>`.
 * @param {{
 *   entries: FaqEntry[],
 *   origin: string | (() => string),
 *   wordDelayMs?: number,
 *   searchDelayMs?: number,
 * }} options `origin` is the demo site's, or a function that gives it once the site listens;
 *   `wordDelayMs` paces the words as a model's would come, `searchDelayMs` lets the visitor see it searching.
 * @returns {(ctx: import('parley-chat').AssistantReplyContext) => AsyncGenerator<string, void>}
 */
export function faqAssistant({ entries, origin, wordDelayMs = 40, searchDelayMs = 300 }) {
  const index = indexEntries(entries);
  const topics = listed(entries.map((entry) => entry.title.toLowerCase()));
  return async function* reply(ctx) {
    const { signal } = ctx;
    ctx.status('searching');
    await pause(searchDelayMs, signal);
    if (signal.aborted) return;

    const asked = ctx.messages.filter((message) => message.sender.role === 'visitor').map((message) => message.message);
    const latest = asked.at(-1) ?? '';
    const earlier = asked.at(-2);
    /** @type {string} */
    let text;
    if (asksForAPerson(latest)) {
      const question = asked.findLast((message) => !asksForAPerson(message)) ?? latest;
      ctx.handoff({ reason: 'visitor asked', summary: question.slice(0, SUMMARY_LENGTH) });
      text = 'Of course: I have passed your conversation to the team, and a person will answer you here.';
    } else if (tokens(latest).length === 0) {
      text = THANKS.test(latest.toLowerCase())
        ? 'You are welcome! Ask me anything else, or ask for a person at any time.'
        : `Hello! I answer from the shop's FAQ: ${topics}. Ask me a question, or ask for a person at any time.`;
    } else {
      const entry = bestEntry(index, latest, earlier);
      if (entry) {
        const base = (typeof origin === 'function' ? origin() : origin).replace(/\/+$/, '');
        ctx.cite({ title: `FAQ: ${entry.title}`, url: `${base}/faq#${entry.id}` });
        text = entry.answer;
      } else {
        ctx.handoff({ reason: 'no answer', summary: latest.slice(0, SUMMARY_LENGTH) });
        text = 'I could not find that in our FAQ, so I have passed your question to the team: a person will answer you here.';
      }
    }

    ctx.status('writing');
    for (const word of text.match(/\S+\s*/g) ?? []) {
      await pause(wordDelayMs, signal);
      if (signal.aborted) return;
      yield word;
    }
  };
}

/**
 * @typedef {object} IndexedEntry
 * @property {FaqEntry} entry
 * @property {Map<string, number>} weights Each word's weight in the entry: 3 in its question or
 *   title, 2 in its keywords, 1 in its answer only.
 */

/**
 * @param {FaqEntry[]} entries
 * @returns {{ entries: IndexedEntry[], rarity: Map<string, number> }}
 */
function indexEntries(entries) {
  const indexed = entries.map((entry) => {
    /** @type {Map<string, number>} */
    const weights = new Map();
    for (const word of tokens(entry.answer)) weights.set(word, 1);
    for (const word of tokens(entry.keywords)) weights.set(word, 2);
    for (const word of tokens(`${entry.question} ${entry.title}`)) weights.set(word, 3);
    return { entry, weights };
  });
  // Inverse document frequency: a word in one entry tells more than a word in all of them.
  /** @type {Map<string, number>} */
  const rarity = new Map();
  for (const { weights } of indexed) for (const word of weights.keys()) rarity.set(word, (rarity.get(word) ?? 0) + 1);
  for (const [word, count] of rarity) rarity.set(word, Math.log(1 + entries.length / count));
  return { entries: indexed, rarity };
}

/**
 * The entry that answers `latest`. A follow-up that matches weakly ("and how long does that
 * take?") is read together with the visitor's message before it, for an entry that shares a word
 * with both: "do you sell bikes?" after a question on returns is not about returns. First entry
 * wins a tie.
 * @param {ReturnType<typeof indexEntries>} index
 * @param {string} latest
 * @param {string | undefined} earlier
 * @returns {FaqEntry | undefined}
 */
function bestEntry(index, latest, earlier) {
  const words = tokens(latest);
  let best = scored(index, words);
  if (best.score > 0 && best.score < ANSWER_SCORE && earlier !== undefined) best = scored(index, [...words, ...tokens(earlier)], words);
  return best.score >= ANSWER_SCORE ? best.entry : undefined;
}

/**
 * @param {ReturnType<typeof indexEntries>} index
 * @param {string[]} words
 * @param {string[]} [someOf] Only entries with one of these words.
 * @returns {{ entry: FaqEntry | undefined, score: number }}
 */
function scored(index, words, someOf = words) {
  /** @type {{ entry: FaqEntry | undefined, score: number }} */
  let best = { entry: undefined, score: 0 };
  const unique = new Set(words);
  for (const { entry, weights } of index.entries) {
    if (!someOf.some((word) => weights.has(word))) continue;
    let score = 0;
    for (const word of unique) score += (weights.get(word) ?? 0) * (index.rarity.get(word) ?? 0);
    if (score > best.score) best = { entry, score };
  }
  return best;
}

/**
 * The words of `text` that can tell answers apart: lower case, no stop words, plurals and -ing
 * and -ed endings cut (crudely, but the same way for questions and answers).
 * @param {string} text
 */
function tokens(text) {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((word) => (word.length > 1 || /\d/.test(word)) && !STOP_WORDS.has(word))
    .map(stem);
}

/** @param {string} word */
function stem(word) {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  for (const ending of ['ing', 'ed']) {
    if (word.endsWith(ending) && word.length - ending.length >= 3) {
      const rest = word.slice(0, -ending.length);
      // shipping → ship, cancelled → cancel
      return /([^aeiou])\1$/.test(rest) ? rest.slice(0, -1) : rest;
    }
  }
  return word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') ? word.slice(0, -1) : word;
}

/** @param {string} message */
function asksForAPerson(message) {
  const text = message.toLowerCase();
  return ASKS_FOR_A_PERSON.some((pattern) => pattern.test(text));
}

/**
 * Waits `ms`, or less if `signal` aborts first: a reply the team took over stops at once.
 * @param {number} ms
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
function pause(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** @param {string[]} items */
function listed(items) {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The page's text without its tags, on one line. @param {string} html */
function plainText(html) {
  return decode(html.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
}

/** @param {string} text */
function decode(text) {
  return text.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: '\u00a0' })[/** @type {'amp'} */ (name)]);
}
