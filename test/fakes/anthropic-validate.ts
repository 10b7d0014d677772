// The checks the real Messages API makes that adapters most often get wrong (providers.md 2.1, 2.6), with
// Anthropic's own messages: unknown fields, a missing max_tokens, temperature above 1, blank text blocks, empty
// turns, tool_use without tool_result right after it, and forced tool use together with thinking.

type Obj = Record<string, any>;

const FIELDS = new Set([
  'model', 'max_tokens', 'messages', 'system', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'stream',
  'metadata', 'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers', 'output_config',
]);

function checkBlocks(blocks: unknown, where: string): string | null {
  if (typeof blocks === 'string') return null;
  if (!Array.isArray(blocks)) return `${where}: Input should be a valid list`;
  for (let j = 0; j < blocks.length; j++) {
    const b = blocks[j] as Obj;
    if (b?.type === 'text' && (typeof b.text !== 'string' || b.text === '')) return `${where}.${j}: text content blocks must be non-empty`;
    if (b?.type === 'image' && !['base64', 'url'].includes(b.source?.type)) return `${where}.${j}.source: Input tag does not match any of the expected tags: 'base64', 'url'`;
  }
  return null;
}

const toolUseIds = (m: Obj | undefined) => (Array.isArray(m?.content) ? (m.content as Obj[]).filter((b) => b.type === 'tool_use').map((b) => b.id as string) : []);
const toolResultIds = (m: Obj | undefined) => (Array.isArray(m?.content) ? (m.content as Obj[]).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id as string) : []);

/** Anthropic's invalid_request_error message for a bad /v1/messages body, or null when it would be accepted. */
export function validateMessagesBody(body: Obj): string | null {
  for (const k of Object.keys(body)) if (!FIELDS.has(k)) return `${k}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages)) return 'messages: Field required';
  if (body.messages.length === 0) return 'messages: at least one message is required';
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) return 'temperature: Input should be less than or equal to 1';
  if (body.system !== undefined) {
    const e = checkBlocks(body.system, 'system');
    if (e) return e;
  }
  const messages = body.messages as Obj[];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const e = checkBlocks(m.content, `messages.${i}.content`);
    if (e) return e;
    const empty = m.content === '' || (Array.isArray(m.content) && m.content.length === 0);
    if (empty && i !== messages.length - 1) return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    const uses = toolUseIds(m);
    if (uses.length > 0) {
      const answered = new Set(toolResultIds(messages[i + 1]));
      const missing = uses.filter((id) => !answered.has(id));
      if (missing.length > 0 && i + 1 < messages.length) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
    const results = toolResultIds(m);
    if (results.length > 0) {
      const asked = new Set(toolUseIds(messages[i - 1]));
      const unknown = results.filter((id) => !asked.has(id));
      if (unknown.length > 0) {
        return `messages.${i}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unknown.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
      const firstOther = (m.content as Obj[]).findIndex((b) => b.type !== 'tool_result');
      if (firstOther !== -1 && (m.content as Obj[]).slice(firstOther).some((b) => b.type === 'tool_result')) {
        return `messages.${i}: tool_result blocks must come first in the message content`;
      }
    }
  }
  if (body.tool_choice !== undefined && !Array.isArray(body.tools)) return 'tool_choice: tool_choice may only be specified while providing tools';
  if (body.thinking?.type === 'enabled' && ['any', 'tool'].includes(body.tool_choice?.type)) {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  return null;
}
