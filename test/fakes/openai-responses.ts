// OpenAI's Responses API (`POST /v1/responses`) for the fake OpenAI upstream (openai-upstream.ts): request
// validation answered the way OpenAI answers it, a deterministic "model" (same spirit as planChat in
// openai-wire.ts), the Response object, and its typed SSE stream (`event: <type>` + `data: {...}`, no [DONE]).
import { fakeId, fragments, openaiError, sampleFromSchema } from './openai-wire.ts';
import type { ScriptedReply } from './scripted-server.ts';

type ErrorBody = ReturnType<typeof openaiError>;
const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const now = () => Math.floor(Date.now() / 1000);
const wordsOf = (text: string) => text.split(/\s+/).filter(Boolean).length;

const KNOWN_PARAMS = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'text', 'max_output_tokens', 'temperature', 'top_p', 'stream',
  'previous_response_id', 'store', 'reasoning', 'parallel_tool_calls', 'metadata', 'user', 'truncation', 'include',
  'service_tier', 'background', 'prompt_cache_key', 'prompt_cache_retention', 'safety_identifier', 'stream_options',
  'max_tool_calls', 'top_logprobs', 'conversation', 'prompt',
]);
const ROLES = ['user', 'system', 'developer', 'assistant'];
/** Input item types OpenAI accepts; only message / function_call / function_call_output mean anything here. */
const ITEM_TYPES = [
  'message', 'function_call', 'function_call_output', 'reasoning', 'item_reference', 'file_search_call', 'web_search_call',
  'computer_call', 'computer_call_output', 'image_generation_call', 'code_interpreter_call', 'local_shell_call',
  'local_shell_call_output', 'mcp_list_tools', 'mcp_approval_request', 'mcp_approval_response', 'mcp_call',
  'custom_tool_call', 'custom_tool_call_output',
];
/** Built-in (hosted) tools: accepted and echoed back, never executed. */
const BUILTIN_TOOLS = [
  'web_search', 'web_search_2025_08_26', 'web_search_preview', 'web_search_preview_2025_03_11', 'file_search',
  'computer_use_preview', 'code_interpreter', 'image_generation', 'mcp', 'local_shell', 'custom',
];
const FORMATS = ['text', 'json_object', 'json_schema'];

const quoted = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ').replace(/, ([^,]*)$/, ', and $1');
const typeName = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? 'a string' : typeof v === 'boolean' ? 'a boolean'
    : typeof v === 'number' ? (Number.isInteger(v) ? 'an integer' : 'a decimal') : 'an object';
const missing = (param: string): ErrorBody =>
  openaiError(`Missing required parameter: '${param}'.`, 'invalid_request_error', param, 'missing_required_parameter');
const invalidValue = (param: string, value: unknown, supported: string[]): ErrorBody =>
  openaiError(`Invalid value: '${String(value)}'. Supported values are: ${quoted(supported)}.`, 'invalid_request_error', param, 'invalid_value');
const invalidType = (param: string, expected: string, got: unknown): ErrorBody =>
  openaiError(`Invalid type for '${param}': expected ${expected}, but got ${typeName(got)} instead.`, 'invalid_request_error', param, 'invalid_type');
/** A required string field: missing, or present with the wrong type. */
const needString = (obj: Record<string, any>, key: string, p: string): ErrorBody | null =>
  typeof obj[key] === 'string' ? null : obj[key] === undefined ? missing(`${p}.${key}`) : invalidType(`${p}.${key}`, 'a string', obj[key]);

const firstError = <T>(xs: T[], check: (x: T, i: number) => ErrorBody | null): ErrorBody | null => {
  for (const [i, x] of xs.entries()) {
    const err = check(x, i);
    if (err) return err;
  }
  return null;
};

/** What a stored response hands on to a request naming it as previous_response_id. */
export interface StoredTurn { callIds: string[]; userText: string | undefined }

/** `input` as a list of items: a plain string is one user message. */
export function inputItems(input: unknown): any[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input : [];
}

const itemType = (it: any): string | undefined => it?.type ?? (it?.role !== undefined ? 'message' : undefined);

/** Text of message content / function_call_output output: a string, or the text of its parts. */
export function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).filter(Boolean).join(' ');
}

function checkPart(part: any, p: string, role: string): ErrorBody | null {
  if (!isObj(part)) return invalidType(p, 'an object', part);
  const allowed = role === 'assistant' ? ['output_text', 'refusal'] : ['input_text', 'input_image', 'input_file', 'input_audio'];
  // Earlier assistant turns must be output_text/refusal; OpenAI is lenient about output_text elsewhere.
  if (!allowed.includes(part.type) && !(part.type === 'output_text' && role !== 'assistant')) return invalidValue(`${p}.type`, part.type, allowed);
  switch (part.type) {
    case 'input_text': case 'output_text': return needString(part, 'text', p);
    case 'refusal': return needString(part, 'refusal', p);
    case 'input_image':
      if (typeof part.image_url !== 'string' && typeof part.file_id !== 'string') return missing(`${p}.image_url`);
      return part.detail == null || ['low', 'high', 'auto'].includes(part.detail) ? null : invalidValue(`${p}.detail`, part.detail, ['low', 'high', 'auto']);
    case 'input_file':
      return ['file_data', 'file_id', 'file_url'].some((k) => typeof part[k] === 'string') ? null : missing(`${p}.file_id`);
  }
  return null;
}

function checkItem(it: any, p: string): ErrorBody | null {
  if (!isObj(it)) return invalidType(p, 'an object', it);
  const type = itemType(it);
  if (type === undefined) return missing(`${p}.type`);
  if (!ITEM_TYPES.includes(type)) return invalidValue(`${p}.type`, type, ITEM_TYPES);
  if (type === 'message') {
    if (it.role === undefined) return missing(`${p}.role`);
    if (!ROLES.includes(it.role)) return invalidValue(`${p}.role`, it.role, ROLES);
    if (it.content === undefined) return missing(`${p}.content`);
    if (typeof it.content === 'string') return null;
    if (!Array.isArray(it.content)) return invalidType(`${p}.content`, 'one of a string or array of objects', it.content);
    return firstError(it.content, (part, j) => checkPart(part, `${p}.content[${j}]`, it.role));
  }
  if (type === 'function_call') return firstError(['call_id', 'name', 'arguments'], (key) => needString(it, key, p));
  if (type !== 'function_call_output') return null;
  if (it.output === undefined) return needString(it, 'call_id', p) ?? missing(`${p}.output`);
  if (typeof it.output !== 'string' && !Array.isArray(it.output)) return invalidType(`${p}.output`, 'one of a string or array of objects', it.output);
  return needString(it, 'call_id', p);
}

function checkTools(tools: unknown): ErrorBody | null {
  if (tools == null) return null;
  if (!Array.isArray(tools)) return invalidType('tools', 'an array', tools);
  return firstError(tools, (t, i) => {
    const p = `tools[${i}]`;
    if (!isObj(t)) return invalidType(p, 'an object', t);
    if (t.type === undefined) return missing(`${p}.type`);
    if (t.type !== 'function') return BUILTIN_TOOLS.includes(t.type) ? null : invalidValue(`${p}.type`, t.type, ['function', ...BUILTIN_TOOLS]);
    // A chat-style {type, function: {...}} fails on the name, as on OpenAI.
    if (t.parameters != null && !isObj(t.parameters)) return needString(t, 'name', p) ?? invalidType(`${p}.parameters`, 'an object', t.parameters);
    return needString(t, 'name', p);
  });
}

function checkText(text: unknown, req: Record<string, any>): ErrorBody | null {
  if (text == null) return null;
  if (!isObj(text)) return invalidType('text', 'an object', text);
  const f = text.format;
  if (f == null) return null;
  if (!isObj(f)) return invalidType('text.format', 'an object', f);
  if (!FORMATS.includes(f.type)) return f.type === undefined ? missing('text.format.type') : invalidValue('text.format.type', f.type, FORMATS);
  if (f.type === 'json_schema') {
    const err = needString(f, 'name', 'text.format'); // chat-style {json_schema: {...}} fails here, as on OpenAI
    if (err) return err;
    if (!isObj(f.schema)) return f.schema === undefined ? missing('text.format.schema') : invalidType('text.format.schema', 'an object', f.schema);
  }
  if (f.type === 'json_object') {
    const all = [req.instructions ?? '', ...inputItems(req.input).map((it) => partsText(it?.content))].join(' ');
    if (!/json/i.test(all)) {
      return openaiError("Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.", 'invalid_request_error', 'input');
    }
  }
  return null;
}

/** null when OpenAI would accept the request; otherwise the 400 body it would send. */
export function validateResponsesRequest(req: Record<string, any>, lookup: (id: string) => StoredTurn | undefined): ErrorBody | null {
  for (const key of Object.keys(req)) {
    if (!KNOWN_PARAMS.has(key)) return openaiError(`Unknown parameter: '${key}'.`, 'invalid_request_error', key, 'unknown_parameter');
  }
  if (req.model === undefined || req.model === null) return missing('model');
  if (typeof req.model !== 'string') return invalidType('model', 'a string', req.model);
  if (req.input === undefined && req.prompt == null) return missing('input');
  if (req.input !== undefined && typeof req.input !== 'string' && !Array.isArray(req.input)) {
    return invalidType('input', 'one of a string or array of input items', req.input);
  }
  const items = inputItems(req.input);
  const err = firstError(items, (it, i) => checkItem(it, `input[${i}]`)) ?? checkTools(req.tools) ?? checkText(req.text, req);
  if (err) return err;
  if (req.max_output_tokens != null && !Number.isInteger(req.max_output_tokens)) return invalidType('max_output_tokens', 'an integer', req.max_output_tokens);
  const prevId = req.previous_response_id;
  if (prevId != null && typeof prevId !== 'string') return invalidType('previous_response_id', 'a string', prevId);
  const prior = typeof prevId === 'string' ? lookup(prevId) : undefined;
  if (typeof prevId === 'string' && !prior) {
    return openaiError(`Previous response with id '${prevId}' not found.`, 'invalid_request_error', 'previous_response_id', 'previous_response_not_found');
  }
  const calls = new Set([...(prior?.callIds ?? []), ...items.filter((it) => it.type === 'function_call').map((it) => it.call_id as string)]);
  const orphan = items.find((it) => it.type === 'function_call_output' && !calls.has(it.call_id));
  if (orphan) return openaiError(`No tool call found for function call output with call_id ${orphan.call_id}.`, 'invalid_request_error', 'input');
  return null;
}

/** What the fake "model" answers, before it becomes a Response object or a stream. Scripts may build their own. */
export type ResponsesOutput =
  | { type: 'message'; text: string }
  | { type: 'function_call'; name: string; arguments: string; call_id?: string };
export interface ResponsesPlan { output: ResponsesOutput[]; incomplete?: boolean }

const lastUserText = (items: any[]): string | undefined => {
  const m = [...items].reverse().find((it) => itemType(it) === 'message' && it.role === 'user');
  return m ? partsText(m.content) : undefined;
};

export function planResponse(req: Record<string, any>, prior?: StoredTurn): ResponsesPlan {
  const items = inputItems(req.input);
  const tools = (Array.isArray(req.tools) ? req.tools : []).filter((t: any) => t?.type === 'function' && typeof t.name === 'string');
  const choice = req.tool_choice;
  const named = isObj(choice) && choice.type === 'function' ? tools.find((t: any) => t.name === choice.name) : undefined;
  const forced = choice === 'required' || named !== undefined || (isObj(choice) && choice.type === 'allowed_tools' && choice.mode === 'required');
  const afterTool = items.at(-1)?.type === 'function_call_output';
  const hosted = isObj(choice) && choice.type !== 'function' && choice.type !== 'allowed_tools'; // e.g. {type:'web_search'}
  if (tools.length > 0 && choice !== 'none' && !hosted && (forced || !afterTool)) {
    const tool = named ?? tools[0];
    const args = sampleFromSchema(tool.parameters ?? {}, true);
    return { output: [{ type: 'function_call', name: tool.name, arguments: JSON.stringify(isObj(args) ? args : {}) }] };
  }
  const format = req.text?.format;
  if (format?.type === 'json_schema') return { output: [{ type: 'message', text: JSON.stringify(sampleFromSchema(format.schema ?? {}, false)) }] };
  let text: string;
  if (afterTool) {
    let i = items.length;
    while (i > 0 && items[i - 1]?.type === 'function_call_output') i -= 1;
    text = `Tool results: ${items.slice(i).map((it) => partsText(it.output)).join('; ')}`;
  } else {
    text = `You said: ${lastUserText(items) ?? prior?.userText ?? ''}`;
  }
  if (format?.type === 'json_object') return { output: [{ type: 'message', text: JSON.stringify({ reply: text }) }] };
  // One "token" per word, so max_output_tokens cuts predictably.
  const words = text.match(/\s*\S+/g) ?? [];
  const limit = req.max_output_tokens;
  if (typeof limit !== 'number' || words.length <= limit) return { output: [{ type: 'message', text }] };
  return { output: [{ type: 'message', text: words.slice(0, Math.max(0, limit)).join('') }], incomplete: true };
}

function inputChars(req: Record<string, any>): number {
  const item = (it: any) => (it?.type === 'function_call' ? String(it.arguments ?? '') : it?.type === 'function_call_output' ? partsText(it.output) : partsText(it?.content));
  return (typeof req.instructions === 'string' ? req.instructions.length : 0) + inputItems(req.input).reduce((n, it) => n + item(it).length, 0);
}

/** The Response object OpenAI returns (and carries in response.completed). */
export function responseBody(req: Record<string, any>, plan: ResponsesPlan = planResponse(req)): any {
  const status = plan.incomplete ? 'incomplete' : 'completed';
  const output = plan.output.map((o) => (o.type === 'message'
    ? { id: fakeId('msg_'), type: 'message', status, role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text: o.text }] }
    : { id: fakeId('fc_'), type: 'function_call', status: 'completed', arguments: o.arguments, call_id: o.call_id ?? fakeId('call_'), name: o.name }));
  const words = plan.output.reduce((n, o) => n + wordsOf(o.type === 'message' ? o.text : o.arguments), 0);
  const inputTokens = Math.ceil(inputChars(req) / 4) + 3;
  const outputTokens = plan.incomplete ? words : words + 1;
  const f = req.text?.format;
  const tools = (Array.isArray(req.tools) ? req.tools : []).map((t: any) => (t?.type === 'function'
    ? { type: 'function', name: t.name, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? true }
    : t));
  return {
    id: fakeId('resp_'), object: 'response', created_at: now(), status, background: req.background ?? false, error: null,
    incomplete_details: plan.incomplete ? { reason: 'max_output_tokens' } : null, instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null, max_tool_calls: req.max_tool_calls ?? null, model: req.model, output,
    parallel_tool_calls: req.parallel_tool_calls ?? true, previous_response_id: req.previous_response_id ?? null,
    prompt_cache_key: req.prompt_cache_key ?? null, reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    safety_identifier: req.safety_identifier ?? null, service_tier: 'default', store: req.store ?? true, temperature: req.temperature ?? 1,
    text: {
      format: f?.type === 'json_schema' ? { type: 'json_schema', description: f.description ?? null, name: f.name, schema: f.schema, strict: f.strict ?? false } : (f ?? { type: 'text' }),
      verbosity: req.text?.verbosity ?? 'medium',
    },
    tool_choice: req.tool_choice ?? 'auto', tools, top_logprobs: req.top_logprobs ?? 0, top_p: req.top_p ?? 1, truncation: req.truncation ?? 'disabled',
    usage: {
      input_tokens: inputTokens, input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inputTokens + outputTokens,
    },
    user: req.user ?? null, metadata: req.metadata ?? {},
  };
}

/** One Responses SSE event: named `event:` line, then the JSON whose `type` repeats the name. */
export function responsesEvent(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** A mid-stream failure as OpenAI sends it (for `script({ sse: [...] })`). */
export function responsesErrorEvent(message: string, code: string | null = 'server_error', sequenceNumber = 0): string {
  return responsesEvent('error', { sequence_number: sequenceNumber, code, message, param: null });
}

/** The full event stream for a Response object (from responseBody), sequence_number counting from 0. Delta
 * events carry an `obfuscation` pad like OpenAI's unless stream_options.include_obfuscation is false. */
export function responseStreamEvents(resp: any, opts: { obfuscation?: boolean } = {}): string[] {
  const events: string[] = [];
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) => { events.push(responsesEvent(type, { sequence_number: seq++, ...data })); };
  const pad = (delta: string) => (opts.obfuscation === false ? {} : { obfuscation: 'fakeobfuscation0'.slice(0, Math.max(1, 16 - delta.length)) });
  const pending = { ...resp, status: 'in_progress', incomplete_details: null, output: [], usage: null };
  ev('response.created', { response: pending });
  ev('response.in_progress', { response: pending });
  (resp.output as any[]).forEach((item, output_index) => {
    if (item.type === 'message') {
      ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      (item.content as any[]).forEach((part, content_index) => {
        const at = { item_id: item.id, output_index, content_index };
        ev('response.content_part.added', { ...at, part: part.type === 'output_text' ? { ...part, text: '' } : part });
        if (part.type === 'output_text') {
          for (const delta of fragments(part.text)) ev('response.output_text.delta', { ...at, delta, logprobs: [], ...pad(delta) });
          ev('response.output_text.done', { ...at, text: part.text, logprobs: [] });
        }
        ev('response.content_part.done', { ...at, part });
      });
    } else {
      const fn = item.type === 'function_call';
      ev('response.output_item.added', { output_index, item: fn ? { ...item, status: 'in_progress', arguments: '' } : item });
      if (fn) {
        for (const delta of fragments(item.arguments)) ev('response.function_call_arguments.delta', { item_id: item.id, output_index, delta, ...pad(delta) });
        ev('response.function_call_arguments.done', { item_id: item.id, output_index, name: item.name, arguments: item.arguments });
      }
    }
    ev('response.output_item.done', { output_index, item });
  });
  ev(resp.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: resp });
  return events;
}

/** Per-fake state: stored responses (for previous_response_id) and the default reply for POST /responses. */
export function createResponsesFake() {
  const stored = new Map<string, StoredTurn>();
  return {
    reply(req: Record<string, any>, delayMs: number): ScriptedReply {
      const lookup = (id: string) => stored.get(id);
      const err = validateResponsesRequest(req, lookup);
      if (err) return { status: 400, json: err };
      const prior = typeof req.previous_response_id === 'string' ? lookup(req.previous_response_id) : undefined;
      const resp = responseBody(req, planResponse(req, prior));
      const items = [...inputItems(req.input), ...resp.output];
      // store:false responses cannot be continued, as on OpenAI.
      if (req.store !== false) {
        stored.set(resp.id, {
          callIds: [...(prior?.callIds ?? []), ...items.filter((it) => it?.type === 'function_call').map((it) => it.call_id as string)],
          userText: lastUserText(items) ?? prior?.userText,
        });
      }
      if (req.stream !== true) return { json: resp };
      return { sse: responseStreamEvents(resp, { obfuscation: req.stream_options?.include_obfuscation !== false }), delayMs };
    },
  };
}
