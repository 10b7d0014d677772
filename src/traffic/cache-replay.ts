import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { DONE_EVENT, encodeSse } from '../protocols/openai/sse.ts';
import type { ChatCompletion, ToolCall, Usage } from '../protocols/openai/types.ts';
import type { StreamResult } from '../providers/types.ts';

// Both directions between a cached ChatCompletion and the OpenAI SSE stream a client asked for: a hit served to a
// streaming client is replayed as the same chunks a live stream sends, and a live stream is recorded on its way
// to the client so that the next identical request (streamed or not) can be a hit.

/** Words per content chunk: small enough to look like a live stream to UIs, large enough to keep chunks few. */
const WORDS_PER_CHUNK = 4;
/** Characters per tool-call arguments chunk. */
const ARGS_PER_CHUNK = 64;
/** Message text fields replayed as deltas, in the order live streams send them (reasoning before the answer). */
const TEXT_FIELDS = ['reasoning_content', 'reasoning', 'content', 'refusal'] as const;
const SKIPPED_FIELDS = new Set<string>(['role', 'tool_calls', ...TEXT_FIELDS]);

type Choice = ChatCompletion['choices'][number];

/** A cached completion as a real OpenAI chunk stream; `usage` settles at once with the cached usage. */
export function replayAsStream(completion: ChatCompletion, includeUsage: boolean): StreamResult {
  const fp = completion.system_fingerprint ? `"system_fingerprint":${JSON.stringify(completion.system_fingerprint)},` : '';
  // Everything before "choices" is the same in every chunk: serialised once.
  const prefix = `data: {"id":${JSON.stringify(completion.id)},"object":"chat.completion.chunk","created":${completion.created},"model":${JSON.stringify(completion.model)},${fp}`;
  const suffix = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const events: string[] = [];
  for (const choice of completion.choices) {
    // Each delta is JSON text built by hand: a replay is a hit, and hits should cost microseconds.
    const open = `${prefix}"choices":[{"index":${choice.index},"delta":`;
    const chunk = (delta: string) => events.push(`${open}${delta},"logprobs":null,"finish_reason":null}]${suffix}`);
    choiceDeltas(choice.message, chunk);
    // Logprobs cannot be split back per token here; whole on the finish chunk, clients that concatenate get them all.
    const reason = JSON.stringify(choice.finish_reason ?? 'stop');
    events.push(`${open}{},"logprobs":${JSON.stringify(choice.logprobs ?? null)},"finish_reason":${reason}}]${suffix}`);
  }
  const usage = completion.usage ?? null;
  if (includeUsage && usage) events.push(`${prefix}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`);
  events.push(DONE_EVENT);

  let i = 0;
  // One event per read, as a live upstream delivers them; pulled lazily so a slow client sets the pace.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const ev = events[i++];
      if (ev === undefined) controller.close();
      else controller.enqueue(encodeSse(ev));
    },
  });
  return { kind: 'stream', body, usage: Promise.resolve({ usage, partial: false }) };
}

/** One message's deltas before its finish chunk, as JSON text: role, text fields in runs of words, tool calls. */
function choiceDeltas(msg: Choice['message'], chunk: (delta: string) => void): void {
  // Live streams open with content "" for text answers and null for tool-call-only ones; keep that distinction.
  const first: Record<string, unknown> = { role: 'assistant', content: msg.content === null && msg.tool_calls?.length ? null : '' };
  // Fields this replay does not know how to split (annotations, audio) ride whole on the first chunk.
  for (const k in msg) if (!SKIPPED_FIELDS.has(k) && msg[k] !== null && msg[k] !== undefined) first[k] = msg[k];
  chunk(JSON.stringify(first));
  for (const field of TEXT_FIELDS) {
    const text = msg[field];
    if (typeof text === 'string' && text !== '') for (const part of splitWords(text)) chunk(`{"${field}":${JSON.stringify(part)}}`);
  }
  (msg.tool_calls ?? []).forEach((call: ToolCall, index) => {
    chunk(`{"tool_calls":[{"index":${index},"id":${JSON.stringify(call.id)},"type":"function","function":{"name":${JSON.stringify(call.function.name)},"arguments":""}}]}`);
    const args = call.function.arguments;
    for (let at = 0; at < args.length; at += ARGS_PER_CHUNK) {
      chunk(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(args.slice(at, at + ARGS_PER_CHUNK))}}}]}`);
    }
  });
}

/** Runs of up to `WORDS_PER_CHUNK` words with their surrounding whitespace: the runs concatenate to the text. */
const WORD_RUNS = new RegExp(`\\s*\\S+(?:\\s+\\S+){0,${WORDS_PER_CHUNK - 1}}\\s*`, 'g');

/** Splits text into runs of a few words, each with its trailing whitespace: the runs concatenate to the text. */
export function splitWords(text: string): string[] {
  return text.match(WORD_RUNS) ?? [text];
}

export interface RecordOptions {
  /** Stop recording (the stream still flows) past this many bytes: an answer too big to cache costs no parsing. */
  maxBytes?: number;
}

interface Head {
  id: string;
  model: string;
  created: number;
  fingerprint: string | null;
  usage: Usage | null;
}

interface ChoiceState {
  text: Map<string, string[]>;
  tools: Array<{ id: string; type: 'function'; name: string; args: string[] }>;
  finish: string | null;
  logprobs: { content: unknown[]; refusal: unknown[] } | null;
  extra: Record<string, unknown>;
}

/**
 * Passes a stream through unchanged, chunk by chunk as it arrives, while rebuilding it as a ChatCompletion.
 * `onComplete` runs only for a whole answer: [DONE] seen, every choice finished, no error event, not
 * cancelled, the source closed cleanly. Partial and failed answers are never cached.
 */
export function recordStream(source: StreamResult, onComplete: (completion: ChatCompletion) => void, opts: RecordOptions = {}): StreamResult {
  const reader = source.body.getReader();
  const decoder = new TextDecoder();
  const choices = new Map<number, ChoiceState>();
  const head: Head = { id: '', model: '', created: 0, fingerprint: null, usage: null };
  let done = false;
  let failed = false;
  let bytes = 0;
  const maxBytes = opts.maxBytes ?? Infinity;

  const onEvent = (ev: EventSourceMessage): void => {
    // Anything after [DONE] is outside OpenAI's framing: treat it like an error rather than guess.
    if (done || ev.event === 'error') failed = true;
    else if (ev.data === '[DONE]') done = true;
    else {
      try {
        const chunk = JSON.parse(ev.data) as Record<string, unknown>;
        if (chunk.error !== undefined || !accumulate(chunk, head, choices)) failed = true;
      } catch {
        failed = true;
      }
    }
  };
  const parser = createParser({ onEvent });
  const complete = (completion: ChatCompletion): void => {
    try {
      onComplete(completion);
    } catch {
      // a failing cache write must not turn a delivered answer into an error
    }
  };

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (err) {
        failed = true;
        controller.error(err);
        return;
      }
      if (r.done) {
        controller.close();
        if (!failed) {
          parser.feed(decoder.decode());
          parser.reset({ consume: true });
          const completion = done && !failed ? toCompletion(head, choices) : null;
          if (completion?.usage) complete(completion);
          // Adapters ask upstream for usage but strip the usage chunk when the client did not ask for it:
          // the relay's report still has it, and a cached answer without usage cannot be billed or replayed with it.
          else if (completion) void source.usage.then((r) => complete({ ...completion, usage: r.partial ? null : r.usage }));
        }
        return;
      }
      // Forward first: recording never delays the client's bytes.
      controller.enqueue(r.value);
      if (failed) return;
      bytes += r.value.byteLength;
      if (bytes > maxBytes) failed = true;
      else parser.feed(decoder.decode(r.value, { stream: true }));
    },
    cancel(reason) {
      failed = true;
      return reader.cancel(reason).catch(() => {});
    },
  });
  return { kind: 'stream', body, usage: source.usage };
}

/** Folds one chunk in; false when the chunk holds something this recorder cannot rebuild faithfully. */
function accumulate(chunk: Record<string, unknown>, head: Head, choices: Map<number, ChoiceState>): boolean {
  if (typeof chunk.id === 'string' && !head.id) head.id = chunk.id;
  if (typeof chunk.model === 'string' && !head.model) head.model = chunk.model;
  if (typeof chunk.created === 'number' && !head.created) head.created = chunk.created;
  if (typeof chunk.system_fingerprint === 'string') head.fingerprint = chunk.system_fingerprint;
  if (chunk.usage && typeof chunk.usage === 'object') head.usage = chunk.usage as Usage;
  if (!Array.isArray(chunk.choices)) return true;
  for (const c of chunk.choices as Array<Record<string, unknown>>) {
    const index = typeof c.index === 'number' ? c.index : 0;
    let s = choices.get(index);
    if (!s) choices.set(index, (s = { text: new Map(), tools: [], finish: null, logprobs: null, extra: {} }));
    const delta = (c.delta ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(delta)) {
      if (k === 'role' || v === null || v === undefined) continue;
      // The legacy function_call delta merges field by field; too rare to rebuild, so never cached.
      if (k === 'function_call') return false;
      if (typeof v === 'string') {
        const parts = s.text.get(k);
        if (parts) parts.push(v);
        else s.text.set(k, [v]);
      } else if (k === 'tool_calls' && Array.isArray(v)) {
        for (const d of v as Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }>) {
          const at = d.index ?? s.tools.length;
          const t = (s.tools[at] ??= { id: '', type: 'function', name: '', args: [] });
          if (d.id) t.id = d.id;
          // Some upstreams repeat the name in every delta: it replaces, like the OpenAI SDK's accumulator does.
          if (d.function?.name) t.name = d.function.name;
          if (d.function?.arguments) t.args.push(d.function.arguments);
        }
      } else s.extra[k] = v;
    }
    const lp = c.logprobs as { content?: unknown[] | null; refusal?: unknown[] | null } | null | undefined;
    if (lp && (lp.content || lp.refusal)) {
      s.logprobs ??= { content: [], refusal: [] };
      if (lp.content) s.logprobs.content.push(...lp.content);
      if (lp.refusal) s.logprobs.refusal.push(...lp.refusal);
    }
    if (typeof c.finish_reason === 'string') s.finish = c.finish_reason;
  }
  return true;
}

function toCompletion(head: Head, choices: Map<number, ChoiceState>): ChatCompletion | null {
  if (choices.size === 0) return null;
  const out: ChatCompletion['choices'] = [];
  for (const [index, s] of [...choices].sort((a, b) => a[0] - b[0])) {
    if (s.finish === null) return null;
    const message: Choice['message'] = { role: 'assistant', content: s.text.get('content')?.join('') ?? null, ...s.extra };
    for (const [k, parts] of s.text) if (k !== 'content') message[k] = parts.join('');
    const tools = s.tools.filter((t) => t !== undefined);
    // A call without a name cannot be replayed to any client; an id-less one would confuse tool-result matching.
    if (tools.some((t) => !t.name || !t.id)) return null;
    if (tools.length > 0) message.tool_calls = tools.map((t) => ({ id: t.id, type: t.type, function: { name: t.name, arguments: t.args.join('') } }));
    const logprobs = s.logprobs && { content: s.logprobs.content.length ? s.logprobs.content : null, refusal: s.logprobs.refusal.length ? s.logprobs.refusal : null };
    out.push({ index, message, logprobs, finish_reason: s.finish });
  }
  const completion: ChatCompletion = { id: head.id, object: 'chat.completion', created: head.created, model: head.model, choices: out, usage: head.usage };
  if (head.fingerprint) completion.system_fingerprint = head.fingerprint;
  return completion;
}
