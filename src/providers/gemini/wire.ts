import { DvaraError } from '../../server/errors.ts';

// Generative Language API wire shapes (providers.md 3.1-3.3), typed only as far as the adapter reads or writes
// them. Vertex AI takes the same bodies.

export type Obj = Record<string, unknown>;

export interface FunctionCall {
  name: string;
  args?: Obj;
  id?: string;
}

export interface Part {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: FunctionCall;
  functionResponse?: { name: string; response: Obj; id?: string };
}

export interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

export interface GenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: string;
  responseSchema?: Obj;
  thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean };
}

export interface GeminiRequest {
  contents: Content[];
  systemInstruction?: { parts: Part[] };
  generationConfig?: GenerationConfig;
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: Obj }> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  safetySettings?: unknown[];
  cachedContent?: string;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface Candidate {
  content?: { role?: string; parts?: Part[] };
  finishReason?: string;
  index?: number;
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
  error?: unknown;
}

/** What translating the reply back needs to know about the request. */
export interface ReplyShape {
  /** The client asked for reasoning: thought parts surface as `reasoning_content` instead of being dropped. */
  reasoning: boolean;
}

/** A request this provider cannot serve faithfully: a 400 naming the parameter, never a silent drop. */
export function refuse(provider: string, param: string, what: string): DvaraError {
  return new DvaraError('INVALID_REQUEST', `Provider ${provider} (gemini) does not support ${what}`, { param });
}
