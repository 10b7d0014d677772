// The benchmark's upstream: an OpenAI-compatible server whose answers cost it almost nothing, so what is
// measured is the system in front of it. Non-streaming replies are one precomputed body; streams send
// N chunks at a fixed interval, then a usage chunk when asked, then [DONE].
//   bun scripts/bench/mock-upstream.ts --port P [--chunks 20] [--interval-ms 5] [--reply-bytes 600]

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const port = arg('port', 0);
const chunks = arg('chunks', 20);
const intervalMs = arg('interval-ms', 5);
const replyBytes = arg('reply-bytes', 600);

const MODEL = 'gpt-4o-2024-08-06';
const created = Math.floor(Date.now() / 1000);
const usage = {
  prompt_tokens: 42,
  completion_tokens: 150,
  total_tokens: 192,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
const content = 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(replyBytes / 45)).slice(0, replyBytes);
const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage,
  service_tier: 'default',
  system_fingerprint: 'fp_bench',
});

const encoder = new TextEncoder();
const chunk = (delta: object, finish: string | null, withUsageField: boolean) =>
  encoder.encode(
    `data: ${JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion.chunk',
      created,
      model: MODEL,
      system_fingerprint: 'fp_bench',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(withUsageField ? { usage: null } : {}),
    })}\n\n`,
  );

/** Stream events, precomputed for both shapes (with and without include_usage). */
function streamEvents(includeUsage: boolean): Uint8Array[] {
  const events = [chunk({ role: 'assistant', content: '', refusal: null }, null, includeUsage)];
  for (let i = 0; i < chunks; i++) events.push(chunk({ content: `tok${i} ` }, null, includeUsage));
  events.push(chunk({}, 'stop', includeUsage));
  if (includeUsage) {
    events.push(encoder.encode(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: MODEL, system_fingerprint: 'fp_bench', choices: [], usage })}\n\n`));
  }
  events.push(encoder.encode('data: [DONE]\n\n'));
  return events;
}
const STREAM = { usage: streamEvents(true), plain: streamEvents(false) };

function sse(events: Uint8Array[]): Response {
  let i = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // The first event goes out at once; the rest at the interval, each as its own write.
      const next = () => {
        controller.enqueue(events[i++]!);
        if (i === events.length) controller.close();
        else timer = setTimeout(next, intervalMs);
      };
      next();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } });
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port,
  idleTimeout: 0,
  maxRequestBodySize: 64 * 1024 * 1024,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (req.method === 'GET') return Response.json({ object: 'list', data: [{ id: 'gpt-4o', object: 'model', created, owned_by: 'system' }] });
    if (!path.endsWith('/chat/completions')) return Response.json({ error: { message: `no route ${path}`, type: 'invalid_request_error' } }, { status: 404 });
    const text = await req.text();
    // Only streaming requests need a look inside; a substring check keeps the mock cheap for large bodies.
    if (!text.includes('"stream":true') && !text.includes('"stream": true')) {
      return new Response(completion, { headers: { 'content-type': 'application/json' } });
    }
    const wantsUsage = /"include_usage"\s*:\s*true/.test(text);
    return sse(wantsUsage ? STREAM.usage : STREAM.plain);
  },
});
console.log(JSON.stringify({ port: server.port }));

export {}; // a module, not a global script
