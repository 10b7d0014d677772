// The checks Bedrock's Converse API makes that adapters most often trip over (design/providers.md 4.1, 4.8),
// with Bedrock's own wording where it is known (blank text, role alternation, missing toolConfig, unanswered
// toolUse ids, empty error toolResult) and Coral's generic "1 validation error detected" form for constraints.

type Obj = Record<string, any>;

const TOP_LEVEL = new Set([
  'messages', 'system', 'inferenceConfig', 'toolConfig', 'additionalModelRequestFields', 'additionalModelResponseFieldPaths',
  'guardrailConfig', 'performanceConfig', 'promptVariables', 'requestMetadata',
]);
const BLOCK_KEYS = ['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardContent', 'reasoningContent', 'cachePoint', 'citationsContent'];
const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'];
const DOC_FORMATS = ['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md'];
const INFERENCE_KEYS = new Set(['maxTokens', 'temperature', 'topP', 'stopSequences']);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const constraint = (value: unknown, at: string, rule: string) =>
  `1 validation error detected: Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${at}' failed to satisfy constraint: ${rule}`;
const isBase64 = (s: unknown) => typeof s === 'string' && s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
const blocksOf = (m: Obj | undefined): Obj[] => (Array.isArray(m?.content) ? m.content : []);
const idsOf = (m: Obj | undefined, kind: 'toolUse' | 'toolResult') => blocksOf(m).filter((b) => isObj(b?.[kind])).map((b) => String(b[kind].toolUseId));

/** A model id in one of the shapes Bedrock accepts: `provider.model…`, an inference profile `us.provider.model…`, or an ARN. */
export function validModelId(id: string): boolean {
  return /^arn:aws(-[a-z]+)*:bedrock:[a-z0-9-]*:\d{0,12}:[a-z-]+\/[A-Za-z0-9._:\/-]+$/.test(id) || /^([a-z]{2,4}\.)?[a-z0-9-]+\.[A-Za-z0-9._:-]+$/.test(id);
}

function checkBlock(b: unknown, at: string, role: string): string | null {
  const keys = isObj(b) ? Object.keys(b).filter((k) => BLOCK_KEYS.includes(k)) : [];
  if (!isObj(b) || keys.length !== 1 || Object.keys(b).length !== 1) {
    return `The ContentBlock object at ${at} must set exactly one of the following keys: ${BLOCK_KEYS.join(', ')}.`;
  }
  if ('text' in b && (typeof b.text !== 'string' || b.text.trim() === '')) return `The text field in the ContentBlock object at ${at} is blank. Add text to the text field, and try again.`;
  if ('image' in b) {
    if (!IMAGE_FORMATS.includes(b.image?.format)) return constraint(b.image?.format ?? null, `${at}.image.format`, `Member must satisfy enum value set: [${IMAGE_FORMATS.join(', ')}]`);
    if (!isBase64(b.image?.source?.bytes)) return `The image at ${at}.image.source.bytes is not valid base64-encoded data.`;
  }
  if ('document' in b) {
    if (!DOC_FORMATS.includes(b.document?.format)) return constraint(b.document?.format ?? null, `${at}.document.format`, `Member must satisfy enum value set: [${DOC_FORMATS.join(', ')}]`);
    if (typeof b.document?.name !== 'string' || !b.document.name) return constraint(null, `${at}.document.name`, 'Member must not be null');
    if (!isBase64(b.document?.source?.bytes)) return `The document at ${at}.document.source.bytes is not valid base64-encoded data.`;
  }
  if ('toolUse' in b) {
    if (role !== 'assistant') return `The toolUse block at ${at} can only appear in an assistant message.`;
    const t = b.toolUse;
    if (typeof t?.toolUseId !== 'string' || typeof t?.name !== 'string' || !isObj(t?.input)) return `The toolUse block at ${at} must have a toolUseId, a name and an input object.`;
  }
  if ('toolResult' in b) {
    if (role !== 'user') return `The toolResult block at ${at} can only appear in a user message.`;
    const r = b.toolResult;
    if (typeof r?.toolUseId !== 'string') return constraint(null, `${at}.toolResult.toolUseId`, 'Member must not be null');
    if (!Array.isArray(r.content)) return constraint(null, `${at}.toolResult.content`, 'Member must not be null');
    if (r.status !== undefined && r.status !== 'success' && r.status !== 'error') return constraint(r.status, `${at}.toolResult.status`, 'Member must satisfy enum value set: [success, error]');
    if (r.status === 'error' && r.content.length === 0) return `The content field at ${at}.toolResult cannot be empty when status value is error.`;
    for (let k = 0; k < r.content.length; k++) {
      const c = r.content[k];
      const ck = isObj(c) ? Object.keys(c) : [];
      if (ck.length !== 1 || !['text', 'json', 'image', 'document', 'video'].includes(ck[0]!)) return `The ToolResultContentBlock object at ${at}.toolResult.content.${k} must set exactly one of: text, json, image, document, video.`;
    }
  }
  return null;
}

function checkInference(ic: unknown): string | null {
  if (!isObj(ic)) return 'The inferenceConfig field must be an object.';
  for (const k of Object.keys(ic)) if (!INFERENCE_KEYS.has(k)) return `The inferenceConfig field contains an unsupported key: ${k}.`;
  const { maxTokens, temperature, topP, stopSequences } = ic;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) return constraint(maxTokens, 'inferenceConfig.maxTokens', 'Member must have value greater than or equal to 1');
  for (const [name, v] of [['temperature', temperature], ['topP', topP]] as const) {
    if (v === undefined) continue;
    if (typeof v !== 'number' || v < 0) return constraint(v, `inferenceConfig.${name}`, 'Member must have value greater than or equal to 0');
    if (v > 1) return constraint(v, `inferenceConfig.${name}`, 'Member must have value less than or equal to 1');
  }
  if (stopSequences !== undefined) {
    if (!Array.isArray(stopSequences) || stopSequences.some((s) => typeof s !== 'string' || s === '')) return constraint(stopSequences, 'inferenceConfig.stopSequences', 'Member must be a list of non-empty strings');
    if (stopSequences.length > 4) return constraint(stopSequences, 'inferenceConfig.stopSequences', 'Member must have length less than or equal to 4');
  }
  return null;
}

function checkToolConfig(tc: unknown): string | null {
  if (!isObj(tc) || !Array.isArray(tc.tools) || tc.tools.length === 0) return constraint(isObj(tc) ? (tc.tools ?? null) : null, 'toolConfig.tools', 'Member must have length greater than or equal to 1');
  const names: string[] = [];
  for (let i = 0; i < tc.tools.length; i++) {
    const spec = tc.tools[i]?.toolSpec;
    if (isObj(tc.tools[i]?.cachePoint)) continue;
    if (!isObj(spec)) return `The Tool object at toolConfig.tools.${i} must set exactly one of: toolSpec, cachePoint.`;
    if (typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name)) {
      return constraint(spec.name ?? null, `toolConfig.tools.${i + 1}.member.toolSpec.name`, 'Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+');
    }
    const json = spec.inputSchema?.json;
    if (!isObj(json) || (json.type !== undefined && json.type !== 'object')) {
      return `The value at toolConfig.tools.${i}.toolSpec.inputSchema.json.type must be one of the following: object.`;
    }
    names.push(spec.name);
  }
  const choice = tc.toolChoice;
  if (choice !== undefined) {
    const keys = isObj(choice) ? Object.keys(choice) : [];
    if (keys.length !== 1 || !['auto', 'any', 'tool'].includes(keys[0]!)) return 'The toolChoice field must set exactly one of: auto, any, tool.';
    if ('tool' in choice && !names.includes(choice.tool?.name)) return `The tool ${JSON.stringify(choice.tool?.name ?? null)} in toolChoice is not defined in toolConfig.tools.`;
  }
  return null;
}

/** Bedrock's ValidationException message for a bad Converse body, or null when it would be accepted. */
export function validateConverseBody(body: unknown): string | null {
  if (!isObj(body)) return 'Malformed input request, please reformat your input and try again.';
  for (const k of Object.keys(body)) if (!TOP_LEVEL.has(k)) return `Unknown field '${k}' in the request body. Remove it and try again.`;
  const messages = body.messages;
  if (!Array.isArray(messages)) return constraint(null, 'messages', 'Member must not be null');
  if (messages.length === 0 || messages[0]?.role !== 'user') return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  let hasToolBlocks = false;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isObj(m) || (m.role !== 'user' && m.role !== 'assistant')) return constraint(m?.role ?? null, `messages.${i + 1}.member.role`, 'Member must satisfy enum value set: [user, assistant]');
    if (i > 0 && messages[i - 1].role === m.role) {
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    }
    if (!Array.isArray(m.content) || m.content.length === 0) return `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`;
    for (let j = 0; j < m.content.length; j++) {
      const problem = checkBlock(m.content[j], `messages.${i}.content.${j}`, m.role);
      if (problem) return problem;
    }
    const results = idsOf(m, 'toolResult');
    hasToolBlocks ||= results.length > 0 || idsOf(m, 'toolUse').length > 0;
    const uses = i > 0 ? idsOf(messages[i - 1], 'toolUse') : [];
    const missing = uses.filter((id) => !results.includes(id));
    if (missing.length > 0) return `Expected toolResult blocks at messages.${i}.content for the following Ids: ${missing.join(', ')}`;
    if (results.some((id) => !uses.includes(id))) return `The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`;
  }
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) return 'The system field must be a list of SystemContentBlock objects.';
    for (let j = 0; j < body.system.length; j++) {
      const s = body.system[j];
      if (!isObj(s) || Object.keys(s).length !== 1 || !['text', 'cachePoint', 'guardContent'].includes(Object.keys(s)[0]!)) return `The SystemContentBlock object at system.${j} must set exactly one of: text, cachePoint, guardContent.`;
      if ('text' in s && (typeof s.text !== 'string' || s.text.trim() === '')) return `The text field in the SystemContentBlock object at system.${j} is blank. Add text to the text field, and try again.`;
    }
  }
  if (body.inferenceConfig !== undefined) {
    const problem = checkInference(body.inferenceConfig);
    if (problem) return problem;
  }
  if (body.toolConfig !== undefined) {
    const problem = checkToolConfig(body.toolConfig);
    if (problem) return problem;
  } else if (hasToolBlocks) {
    return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
  }
  if (body.additionalModelRequestFields !== undefined && !isObj(body.additionalModelRequestFields)) return 'The additionalModelRequestFields field must be a JSON object.';
  return null;
}
