// OpenAI Responses API shapes (POST /v1/responses), typed only as far as Dvara reads or writes them. Unknown
// fields ride along: a native OpenAI upstream receives the client's body with only the model rewritten.

export type Obj = Record<string, unknown>;

export interface InputContentPart {
  type: string; // input_text | input_image | input_file | output_text | refusal
  text?: string;
  image_url?: string;
  detail?: string;
  file_id?: string;
  file_data?: string;
  filename?: string;
  [k: string]: unknown;
}

export type InputItem =
  | { type?: 'message'; role: 'user' | 'system' | 'developer' | 'assistant'; content: string | InputContentPart[]; [k: string]: unknown }
  | { type: 'function_call'; call_id: string; name: string; arguments: string; [k: string]: unknown }
  | { type: 'function_call_output'; call_id: string; output: string | InputContentPart[]; [k: string]: unknown }
  | { type: string; [k: string]: unknown };

export interface FunctionToolDef {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Obj | null;
  strict?: boolean | null;
}

export type ResponsesToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string } | { type: string; [k: string]: unknown };

export type TextFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Obj; strict?: boolean | null; description?: string };

export interface ResponsesRequest {
  model: string;
  input: string | InputItem[];
  instructions?: string | null;
  tools?: Array<FunctionToolDef | { type: string; [k: string]: unknown }>;
  tool_choice?: ResponsesToolChoice;
  text?: { format?: TextFormat; [k: string]: unknown } | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stream?: boolean | null;
  parallel_tool_calls?: boolean | null;
  previous_response_id?: string | null;
  reasoning?: { effort?: string | null; [k: string]: unknown } | null;
  user?: string;
  [k: string]: unknown;
}

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export type OutputItem =
  | { id: string; type: 'message'; status: 'completed' | 'in_progress' | 'incomplete'; role: 'assistant'; content: OutputText[] }
  | { id: string; type: 'function_call'; status: 'completed' | 'in_progress'; call_id: string; name: string; arguments: string };

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}
