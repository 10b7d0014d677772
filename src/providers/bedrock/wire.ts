import { DvaraError } from '../../server/errors.ts';

// Bedrock Converse wire shapes (providers.md 4.1-4.3), typed only as far as the adapter reads or writes them.

export type Obj = Record<string, unknown>;

/** A content block: exactly one of its keys is set. */
export interface ContentBlock {
  text?: string;
  image?: { format: string; source: { bytes: string } };
  document?: { format: string; name: string; source: { bytes: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content: Array<{ text: string } | { json: unknown }>; status?: 'success' | 'error' };
  reasoningContent?: { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
  cachePoint?: { type: 'default' };
}

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface ToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Obj } };
}

export type ToolChoice = { auto: Obj } | { any: Obj } | { tool: { name: string } };

export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: Array<{ text: string } | { cachePoint: { type: 'default' } }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: ToolSpec[]; toolChoice?: ToolChoice };
  additionalModelRequestFields?: Obj;
  guardrailConfig?: Obj;
  performanceConfig?: Obj;
}

export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output?: { message?: { role: string; content?: ContentBlock[] } };
  stopReason?: string;
  usage?: ConverseUsage;
}

/** What translating the reply back needs to know about how the request was translated. */
export interface ReplyShape {
  /** The forced tool carrying a JSON response_format: its input is the answer's content, not a tool call. */
  jsonTool: string | null;
  /** The client asked for reasoning: reasoning blocks surface as `reasoning_content`. */
  reasoning: boolean;
}

/** A request this provider cannot serve faithfully: a 400 naming the parameter, never a silent drop. */
export function refuse(provider: string, param: string, what: string): DvaraError {
  return new DvaraError('INVALID_REQUEST', `Provider ${provider} (bedrock) does not support ${what}`, { param });
}
