import { DvaraError } from '../../server/errors.ts';

// Anthropic Messages wire shapes (providers.md 2.1-2.3), typed only as far as the adapter reads or writes them.

export type Block = { type: string; [k: string]: unknown };

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: Block[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  [k: string]: unknown;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'none' }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: Block[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stream?: boolean;
  metadata?: { user_id: string };
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: Record<string, unknown>;
}

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  [k: string]: unknown;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Block[];
  stop_reason: string | null;
  stop_sequence?: string | null;
  usage?: AnthropicUsage;
}

/** What translating the reply back needs to know about how the request was translated. */
export interface ReplyShape {
  /** The forced tool carrying a JSON response_format: its input is the answer's content, not a tool call. */
  jsonTool: string | null;
  /** The client asked for reasoning: thinking blocks surface as `reasoning_content` instead of being dropped. */
  reasoning: boolean;
}

/** A request this provider cannot serve faithfully: a 400 naming the parameter, never a silent drop. */
export function refuse(provider: string, param: string, what: string): DvaraError {
  return new DvaraError('INVALID_REQUEST', `Provider ${provider} (anthropic) does not support ${what}`, { param });
}
