// Anthropic Messages API shapes (design/providers.md §2), typed only as far as the front door reads them.
// Everything else rides along in index signatures so a native passthrough forwards it untouched.

export interface TextBlock { type: 'text'; text: string; [k: string]: unknown }

export type ImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
export interface ImageBlock { type: 'image'; source: ImageSource; [k: string]: unknown }

export type DocumentSource = { type: 'base64'; media_type: string; data: string } | { type: 'text'; media_type?: string; data: string };
export interface DocumentBlock { type: 'document'; source: DocumentSource; title?: string | null; [k: string]: unknown }

export interface ToolUseBlock { type: 'tool_use'; id: string; name: string; input?: unknown; [k: string]: unknown }

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<TextBlock | ImageBlock>;
  is_error?: boolean | null;
  [k: string]: unknown;
}

export interface ThinkingBlock { type: 'thinking' | 'redacted_thinking'; [k: string]: unknown }

export type UserBlock = TextBlock | ImageBlock | DocumentBlock | ToolResultBlock;
export type AssistantBlock = TextBlock | ToolUseBlock | ThinkingBlock;

export type InputMessage =
  | { role: 'user'; content: string | UserBlock[]; [k: string]: unknown }
  | { role: 'assistant'; content: string | AssistantBlock[]; [k: string]: unknown };

export interface Tool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  [k: string]: unknown;
}

export type ToolChoice =
  | { type: 'auto' | 'any' | 'none'; disable_parallel_tool_use?: boolean; [k: string]: unknown }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean; [k: string]: unknown };

/** What the front door accepts: routing only needs the model; the rest is checked before translation. */
export interface MessagesBody {
  model: string;
  max_tokens?: number;
  stream?: boolean;
  stop_sequences?: string[] | null;
  [k: string]: unknown;
}

/** A body whose every part Dvara can translate to OpenAI Chat Completions. */
export interface MessagesRequest extends MessagesBody {
  max_tokens: number;
  messages: InputMessage[];
  system?: string | TextBlock[] | null;
  temperature?: number | null;
  top_p?: number | null;
  metadata?: { user_id?: string | null; [k: string]: unknown } | null;
  tools?: Tool[] | null;
  tool_choice?: ToolChoice | null;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'pause_turn';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
}

export type OutputBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: OutputBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}
