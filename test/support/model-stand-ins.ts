import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './harness.js';

// Stand-ins for the model APIs the README's assistant recipes call. The tests cannot reach OpenAI,
// Anthropic or a local Ollama (CI has no network and no keys), so these small HTTP servers answer
// in each API's own streaming format, as the SDKs' sources parse it (openai `core/streaming`,
// `ChatCompletionChunk`; @anthropic-ai/sdk `core/streaming`, `lib/MessageStream`, `RawMessageStreamEvent`;
// @ai-sdk/openai-compatible's chunk schema, which reads the same chat completions stream).

/** What the stand-in model does with a request: write text, call the handoff tool, or refuse. */
export type ModelTurn =
  | { text: string[]; handoff?: { reason: string; summary: string } }
  | { status: number; message: string };

export interface ModelStandIn {
  /** Where it listens: `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request body it was sent, parsed. */
  requests: Array<Record<string, any>>;
}

/** Between two pieces of a streamed answer: longer than the chat's 100 ms between deltas, so a reply streams in several. */
const PIECE_GAP_MS = 120;

const pause = () => new Promise((resolve) => setTimeout(resolve, PIECE_GAP_MS));

/** The visitor's last words in a request, as a string, whatever shape the SDK gave the message. */
export function lastUserText(body: Record<string, any>): string {
  const last = [...(body.messages ?? [])].reverse().find((message: { role?: string }) => message.role === 'user');
  if (!last) return '';
  return typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
}

async function serve(path: string, answer: (body: Record<string, any>, res: ServerResponse) => Promise<void>): Promise<ModelStandIn> {
  const requests: ModelStandIn['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url?.split('?')[0] !== path) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no ${req.method} ${req.url} here` } }));
        return;
      }
      const body = JSON.parse(raw) as Record<string, any>;
      requests.push(body);
      answer(body, res).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  onCleanup(() => server.closeAllConnections());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function openEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

/**
 * OpenAI's chat completions, `POST /v1/chat/completions` with `stream: true`: `data: <chunk>` events,
 * each a `chat.completion.chunk` whose `choices[0].delta` has more `content` or, for a tool call,
 * `tool_calls` (the first with the call's id and name, then pieces of its JSON arguments), a last
 * chunk with `finish_reason`, then `data: [DONE]`. Ollama, vLLM and LM Studio speak the same.
 */
export function startOpenAIStandIn(turn: (body: Record<string, any>) => ModelTurn): Promise<ModelStandIn> {
  return serve('/v1/chat/completions', async (body, res) => {
    const planned = turn(body);
    if ('status' in planned) {
      res.writeHead(planned.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: planned.message, type: 'invalid_request_error', param: null, code: null } }));
      return;
    }
    openEventStream(res);
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finishReason: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({
          id: 'chatcmpl-stand-in',
          object: 'chat.completion.chunk',
          created,
          model: body.model,
          system_fingerprint: null,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        })}\n\n`,
      );
    chunk({ role: 'assistant', content: '' });
    for (const piece of planned.text) {
      await pause();
      chunk({ content: piece });
    }
    if (planned.handoff) {
      const args = JSON.stringify(planned.handoff);
      const half = Math.floor(args.length / 2);
      chunk({ tool_calls: [{ index: 0, id: 'call_stand_in', type: 'function', function: { name: 'handoff', arguments: '' } }] });
      chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] });
      chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] });
    }
    chunk({}, planned.handoff ? 'tool_calls' : 'stop');
    res.end('data: [DONE]\n\n');
  });
}

/**
 * Anthropic's Messages API, `POST /v1/messages` with `stream: true`: named events `message_start`
 * (the message, empty), then per content block `content_block_start`, `content_block_delta`s
 * (`text_delta`, or `input_json_delta` pieces of a `tool_use` block's input) and
 * `content_block_stop`, a `ping` among them, then `message_delta` (the stop reason and usage) and
 * `message_stop`.
 */
export function startAnthropicStandIn(turn: (body: Record<string, any>) => ModelTurn): Promise<ModelStandIn> {
  return serve('/v1/messages', async (body, res) => {
    const planned = turn(body);
    if ('status' in planned) {
      res.writeHead(planned.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: planned.message } }));
      return;
    }
    openEventStream(res);
    const event = (data: { type: string } & Record<string, unknown>) => res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
    const usage = { input_tokens: 42, output_tokens: 1, cache_creation_input_tokens: null, cache_read_input_tokens: null };
    event({
      type: 'message_start',
      message: { id: 'msg_stand_in', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage },
    });
    event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } });
    event({ type: 'ping' });
    for (const piece of planned.text) {
      await pause();
      event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } });
    }
    event({ type: 'content_block_stop', index: 0 });
    if (planned.handoff) {
      const input = JSON.stringify(planned.handoff);
      const half = Math.floor(input.length / 2);
      event({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_stand_in', name: 'handoff', input: {}, caller: { type: 'direct' } } });
      event({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } });
      event({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: input.slice(0, half) } });
      event({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: input.slice(half) } });
      event({ type: 'content_block_stop', index: 1 });
    }
    event({
      type: 'message_delta',
      delta: { stop_reason: planned.handoff ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: 12 },
    });
    event({ type: 'message_stop' });
    res.end();
  });
}
