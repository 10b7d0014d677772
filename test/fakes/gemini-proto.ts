// The first thing the real Gemini API does with a body: Google's front end parses the JSON into protobuf
// messages. That step alone accounts for most 400s adapters hit — unknown fields (JSON-Schema keywords in a
// tool's `parameters`), a string where a Struct belongs, an array for a singular field — and it has its own
// message style ("Invalid JSON payload received. Unknown name ..."), reporting paths by the proto's
// snake_case field names. Like any proto3 JSON parser it accepts both lowerCamelCase and snake_case keys
// (the google-genai SDK really sends `thinkingConfig: {include_thoughts: ...}`), treats null as unset, reads
// numbers given as strings, and takes a lone value for a repeated field (Google's own curl examples send
// `"parts": {"text": ...}`). normalizeMessage returns a camelCase copy for the rest of the fake to read.

type Obj = Record<string, any>;

export interface Violation { field: string; description: string }

/** Field kinds: a message name, a scalar, `struct` (JSON object), `value` (any JSON), `enum:Name`;
 * a leading `*` marks repeated, `map:` a map<string, X>. */
const MESSAGES: Record<string, Record<string, string>> = {
  GenerateContentRequest: {
    model: 'string', contents: '*Content', systemInstruction: 'Content', tools: '*Tool', toolConfig: 'ToolConfig',
    safetySettings: '*SafetySetting', generationConfig: 'GenerationConfig', cachedContent: 'string',
    labels: 'map:string', serviceTier: 'string', store: 'bool',
  },
  Content: { role: 'string', parts: '*Part' },
  Part: {
    text: 'string', inlineData: 'Blob', fileData: 'FileData', functionCall: 'FunctionCall',
    functionResponse: 'FunctionResponse', executableCode: 'ExecutableCode', codeExecutionResult: 'CodeExecutionResult',
    thought: 'bool', thoughtSignature: 'bytes', videoMetadata: 'VideoMetadata', partMetadata: 'struct', mediaResolution: 'value',
  },
  Blob: { mimeType: 'string', data: 'bytes' },
  FileData: { mimeType: 'string', fileUri: 'string' },
  FunctionCall: { id: 'string', name: 'string', args: 'struct' },
  FunctionResponse: {
    id: 'string', name: 'string', response: 'struct', willContinue: 'bool', scheduling: 'enum:FunctionResponse.Scheduling', parts: '*value',
  },
  ExecutableCode: { language: 'enum:ExecutableCode.Language', code: 'string' },
  CodeExecutionResult: { outcome: 'enum:CodeExecutionResult.Outcome', output: 'string' },
  VideoMetadata: { startOffset: 'string', endOffset: 'string', fps: 'double' },
  Tool: {
    functionDeclarations: '*FunctionDeclaration', googleSearchRetrieval: 'value', codeExecution: 'value', googleSearch: 'value',
    urlContext: 'value', computerUse: 'value', fileSearch: 'value', googleMaps: 'value', mcpServers: 'value',
  },
  FunctionDeclaration: {
    name: 'string', description: 'string', parameters: 'Schema', parametersJsonSchema: 'value', response: 'Schema',
    responseJsonSchema: 'value', behavior: 'enum:FunctionDeclaration.Behavior',
  },
  // The OpenAPI subset: anything else a JSON Schema may say (additionalProperties, $ref, const, ...) is unknown.
  Schema: {
    type: 'enum:Type', format: 'string', title: 'string', description: 'string', nullable: 'bool', enum: '*string',
    maxItems: 'int64', minItems: 'int64', properties: 'map:Schema', required: '*string', minProperties: 'int64',
    maxProperties: 'int64', minLength: 'int64', maxLength: 'int64', pattern: 'string', example: 'value',
    anyOf: '*Schema', propertyOrdering: '*string', default: 'value', items: 'Schema', minimum: 'double', maximum: 'double',
  },
  ToolConfig: { functionCallingConfig: 'FunctionCallingConfig', retrievalConfig: 'value' },
  FunctionCallingConfig: { mode: 'enum:FunctionCallingConfig.Mode', allowedFunctionNames: '*string' },
  SafetySetting: { category: 'enum:HarmCategory', threshold: 'enum:SafetySetting.HarmBlockThreshold', method: 'string' },
  GenerationConfig: {
    stopSequences: '*string', responseMimeType: 'string', responseSchema: 'Schema', responseJsonSchema: 'value',
    responseModalities: '*enum:GenerationConfig.Modality', candidateCount: 'int', maxOutputTokens: 'int', temperature: 'float',
    topP: 'float', topK: 'int', seed: 'int', presencePenalty: 'float', frequencyPenalty: 'float', responseLogprobs: 'bool',
    logprobs: 'int', enableEnhancedCivicAnswers: 'bool', speechConfig: 'value', thinkingConfig: 'ThinkingConfig',
    imageConfig: 'value', mediaResolution: 'enum:GenerationConfig.MediaResolution',
  },
  ThinkingConfig: { includeThoughts: 'bool', thinkingBudget: 'int', thinkingLevel: 'enum:ThinkingConfig.ThinkingLevel' },
  EmbedContentRequest: { model: 'string', content: 'Content', taskType: 'enum:TaskType', title: 'string', outputDimensionality: 'int' },
  BatchEmbedContentsRequest: { requests: '*EmbedContentRequest' },
  CountTokensRequest: { contents: '*Content', generateContentRequest: 'GenerateContentRequest' },
};

const HARM = ['HARASSMENT', 'HATE_SPEECH', 'SEXUALLY_EXPLICIT', 'DANGEROUS_CONTENT', 'CIVIC_INTEGRITY'];
const ENUMS: Record<string, string[]> = {
  Type: ['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL'],
  'FunctionCallingConfig.Mode': ['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED'],
  HarmCategory: ['HARM_CATEGORY_UNSPECIFIED', ...HARM.map((h) => `HARM_CATEGORY_${h}`)],
  'SafetySetting.HarmBlockThreshold': ['HARM_BLOCK_THRESHOLD_UNSPECIFIED', 'BLOCK_LOW_AND_ABOVE', 'BLOCK_MEDIUM_AND_ABOVE', 'BLOCK_ONLY_HIGH', 'BLOCK_NONE', 'OFF'],
  TaskType: ['TASK_TYPE_UNSPECIFIED', 'RETRIEVAL_QUERY', 'RETRIEVAL_DOCUMENT', 'SEMANTIC_SIMILARITY', 'CLASSIFICATION', 'CLUSTERING', 'QUESTION_ANSWERING', 'FACT_VERIFICATION', 'CODE_RETRIEVAL_QUERY'],
  'GenerationConfig.Modality': ['MODALITY_UNSPECIFIED', 'TEXT', 'IMAGE', 'AUDIO'],
  'GenerationConfig.MediaResolution': ['MEDIA_RESOLUTION_UNSPECIFIED', 'MEDIA_RESOLUTION_LOW', 'MEDIA_RESOLUTION_MEDIUM', 'MEDIA_RESOLUTION_HIGH'],
  'ThinkingConfig.ThinkingLevel': ['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH'],
  'FunctionDeclaration.Behavior': ['UNSPECIFIED', 'BLOCKING', 'NON_BLOCKING'],
  'FunctionResponse.Scheduling': ['SCHEDULING_UNSPECIFIED', 'SILENT', 'WHEN_IDLE', 'INTERRUPT'],
  'ExecutableCode.Language': ['LANGUAGE_UNSPECIFIED', 'PYTHON'],
  'CodeExecutionResult.Outcome': ['OUTCOME_UNSPECIFIED', 'OUTCOME_OK', 'OUTCOME_FAILED', 'OUTCOME_DEADLINE_EXCEEDED'],
};

const SCALAR_TYPE: Record<string, string> = {
  string: 'TYPE_STRING', bool: 'TYPE_BOOL', int: 'TYPE_INT32', int64: 'TYPE_INT64', float: 'TYPE_FLOAT', double: 'TYPE_DOUBLE', bytes: 'TYPE_BYTES',
};

export const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How Google quotes an offending value: strings in double quotes, everything else as compact JSON. */
const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

/** Standard or URL-safe base64, padding optional (the thought-signature sentinel is URL-safe base64). */
export function isBase64(s: string): boolean {
  const t = s.replace(/=+$/, '');
  return /^[A-Za-z0-9+/_-]*$/.test(t) && t.length % 4 !== 1;
}

interface Ctx {
  /** The proto package named in type URLs, e.g. google.ai.generativelanguage.v1beta. */
  pkg: string;
  out: Violation[];
}

/** Parses `body` as message `type` the way Google's front end does; violations come back in `out`. */
export function normalizeMessage(type: string, body: unknown, pkg: string, out: Violation[]): Obj {
  const ctx: Ctx = { pkg, out };
  if (!isObj(body)) {
    unknownAt(ctx, '', '', 'Invalid JSON payload received. Expected an object.');
    return {};
  }
  return message(type, body, '', ctx);
}

function unknownAt(ctx: Ctx, key: string, path: string, full?: string): void {
  const where = path ? ` at '${path}'` : '';
  ctx.out.push({ field: path, description: full ?? `Invalid JSON payload received. Unknown name "${key}"${where}: Cannot find field.` });
}

function invalid(ctx: Ctx, path: string, typeName: string, v: unknown, shown = show(v)): undefined {
  ctx.out.push({ field: path, description: `Invalid value at '${path}' (${typeName}), ${shown}` });
  return undefined;
}

function message(type: string, obj: Obj, path: string, ctx: Ctx): Obj {
  const fields = MESSAGES[type]!;
  const result: Obj = {};
  for (const [key, v] of Object.entries(obj)) {
    const name = key in fields ? key : camel(key) in fields && !/[A-Z]/.test(key) ? camel(key) : undefined;
    if (name === undefined) {
      unknownAt(ctx, key, path);
      continue;
    }
    if (v === null) continue; // proto3 JSON: null means "not set"
    const spec = fields[name]!;
    const fieldPath = path ? `${path}.${snake(name)}` : snake(name);
    const value = field(spec, v, key, path, fieldPath, ctx);
    if (value !== undefined) result[name] = value;
  }
  return result;
}

function field(spec: string, v: unknown, key: string, parent: string, path: string, ctx: Ctx): unknown {
  if (spec.startsWith('*')) {
    const items = Array.isArray(v) ? v : [v];
    return items.map((item, i) => single(spec.slice(1), item, key, parent, `${path}[${i}]`, ctx)).filter((x) => x !== undefined);
  }
  if (spec.startsWith('map:')) {
    if (!isObj(v)) return invalid(ctx, path, 'map', v);
    const out: Obj = {};
    Object.entries(v).forEach(([k, item], i) => {
      const parsed = single(spec.slice(4), item, key, parent, `${path}[${i}].value`, ctx);
      if (parsed !== undefined) out[k] = parsed;
    });
    return out;
  }
  if (Array.isArray(v)) {
    const where = parent ? ` at '${parent}'` : '';
    ctx.out.push({ field: path, description: `Invalid JSON payload received. Unknown name "${key}"${where}: Proto field is not repeating, cannot start list.` });
    return undefined;
  }
  return single(spec, v, key, parent, path, ctx);
}

function single(spec: string, v: unknown, key: string, parent: string, path: string, ctx: Ctx): unknown {
  if (spec === 'value') return v;
  if (spec === 'struct') return isObj(v) ? v : invalid(ctx, path, 'type.googleapis.com/google.protobuf.Struct', v);
  if (spec in MESSAGES) return isObj(v) ? message(spec, v, path, ctx) : invalid(ctx, path, `type.googleapis.com/${ctx.pkg}.${spec}`, v);
  if (isObj(v)) {
    const where = parent ? ` at '${parent}'` : '';
    ctx.out.push({ field: path, description: `Invalid JSON payload received. Unknown name "${key}"${where}: Starting an object on a scalar field.` });
    return undefined;
  }
  if (spec.startsWith('enum:')) return enumValue(spec.slice(5), v, path, ctx);
  const typeName = SCALAR_TYPE[spec]!;
  switch (spec) {
    case 'string':
      return typeof v === 'string' ? v : invalid(ctx, path, typeName, v);
    case 'bool':
      if (typeof v === 'boolean') return v;
      return v === 'true' || v === 'false' ? v === 'true' : invalid(ctx, path, typeName, v);
    case 'bytes':
      if (typeof v !== 'string') return invalid(ctx, path, typeName, v);
      return isBase64(v) ? v : invalid(ctx, path, typeName, v, `Base64 decoding failed for "${v}"`);
    default: {
      // Numbers: JSON numbers or numeric strings; the integer kinds refuse fractions.
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      const integer = spec === 'int' || spec === 'int64';
      if (Number.isNaN(n) || (integer && !Number.isInteger(n))) return invalid(ctx, path, typeName, v);
      return n;
    }
  }
}

function enumValue(name: string, v: unknown, path: string, ctx: Ctx): unknown {
  const values = ENUMS[name]!;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < values.length) return values[v];
  // Schema types are the one enum Gemini reads case-insensitively: JSON-Schema-minded clients send "string".
  const wanted = typeof v === 'string' && name === 'Type' ? v.toUpperCase() : v;
  if (typeof wanted === 'string' && values.includes(wanted)) return wanted;
  return invalid(ctx, path, `type.googleapis.com/${ctx.pkg}.${name}`, v);
}
