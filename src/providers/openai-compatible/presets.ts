// OpenAI-compatible providers as data: where they live, how they authenticate, and the quirks that
// differ from OpenAI (providers.md section 5). Everything here stays inside the OpenAI-compatible adapter.

export interface Preset {
  /** Default base URL (chat is `${base}/chat/completions`); absent → `base_url` is required in config. */
  baseUrl?: string;
  /** `bearer`: Authorization: Bearer; `api-key`: Azure's api-key header. */
  auth: 'bearer' | 'api-key';
  /** Whether an API key is needed at all (local servers such as Ollama and vLLM take none). */
  keyRequired: boolean;
  /**
   * `request`: ask with stream_options.include_usage (the usage chunk comes last).
   * `always`: the upstream sends usage unasked and rejects stream_options (Mistral answers 422).
   */
  streamUsage: 'request' | 'always';
  /** Which max-tokens field the upstream understands; the other is renamed to it. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens' | 'model-dependent';
  /** Whether the upstream can return base64 embeddings itself; if not the adapter encodes them. */
  embeddingsBase64: boolean;
  /** A self-hosted server: no per-token charge, whatever its models are called. */
  free?: boolean;
  /** Whether its embeddings endpoint reads token-id inputs (OpenAI's own, and servers sharing its tokenizer). */
  tokenInput?: boolean;
  /** Finish reasons outside OpenAI's set, mapped onto it. */
  finishReasons?: Readonly<Record<string, string>>;
  /** Moonshot puts the stream's usage inside choices[0].usage; hoist it to the top level. */
  usageInChoices?: boolean;
  /** Parameters forced on non-streaming calls (DashScope rejects enable_thinking without stream). */
  nonStreamOverrides?: Readonly<Record<string, unknown>>;
  /** Names listed by GET /v1/models when the provider's config gives none. */
  models: readonly string[];
}

const OPENAI_MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o3-mini', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large'];

/** What most compatible providers share: a Bearer key, usage on request, max_tokens, float embeddings. */
const HOSTED = {
  auth: 'bearer',
  keyRequired: true,
  streamUsage: 'request',
  maxTokensField: 'max_tokens',
  embeddingsBase64: false,
} as const;

/** Local servers (Ollama, vLLM, any self-hosted endpoint) usually take no key. */
const LOCAL = { ...HOSTED, keyRequired: false } as const;

export const PRESETS = {
  openai: { ...HOSTED, baseUrl: 'https://api.openai.com/v1', maxTokensField: 'model-dependent', embeddingsBase64: true, tokenInput: true, models: OPENAI_MODELS },
  'openai-compatible': { ...LOCAL, models: [] },
  azure: { ...HOSTED, auth: 'api-key', maxTokensField: 'model-dependent', embeddingsBase64: true, tokenInput: true, models: [] },
  deepseek: {
    ...HOSTED,
    baseUrl: 'https://api.deepseek.com/v1',
    finishReasons: { insufficient_system_resource: 'length' },
    models: ['deepseek-chat', 'deepseek-reasoner'],
  },
  qwen: {
    ...HOSTED,
    baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
    nonStreamOverrides: { enable_thinking: false },
    models: ['qwen-plus', 'qwen-max', 'qwen-turbo', 'qwen3-max', 'text-embedding-v4'],
  },
  moonshot: {
    ...HOSTED,
    baseUrl: 'https://api.moonshot.cn/v1',
    usageInChoices: true,
    models: ['moonshot-v1-8k', 'moonshot-v1-32k', 'moonshot-v1-128k', 'kimi-k2-0905-preview'],
  },
  zhipu: {
    ...HOSTED,
    baseUrl: 'https://open.bigmodel.cn/api/paas/v4',
    finishReasons: { sensitive: 'content_filter', network_error: 'stop' },
    models: ['glm-4', 'glm-4-plus', 'glm-4-flash', 'glm-4.6', 'embedding-3'],
  },
  qianfan: { ...HOSTED, baseUrl: 'https://qianfan.baidubce.com/v2', models: ['ernie-4.0-8k', 'ernie-4.0', 'ernie-3.5-8k', 'ernie-speed-128k'] },
  mistral: { ...HOSTED, baseUrl: 'https://api.mistral.ai/v1', streamUsage: 'always', models: ['mistral-large-latest', 'mistral-small-latest', 'mistral-embed'] },
  groq: { ...HOSTED, baseUrl: 'https://api.groq.com/openai/v1', maxTokensField: 'max_completion_tokens', models: ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant'] },
  xai: { ...HOSTED, baseUrl: 'https://api.x.ai/v1', models: ['grok-4', 'grok-3-mini'] },
  together: { ...HOSTED, baseUrl: 'https://api.together.xyz/v1', models: ['meta-llama/Llama-3.3-70B-Instruct-Turbo'] },
  ollama: { ...LOCAL, free: true, baseUrl: 'http://127.0.0.1:11434/v1', models: [] },
  vllm: { ...LOCAL, free: true, baseUrl: 'http://127.0.0.1:8000/v1', tokenInput: true, models: [] },
} as const satisfies Record<string, Preset>;

export type PresetType = keyof typeof PRESETS;

/** Preset types configured by name and key alone (openai, openai-compatible and azure have fields of their own). */
export const NAMED_PRESETS = ['deepseek', 'qwen', 'moonshot', 'zhipu', 'qianfan', 'mistral', 'groq', 'xai', 'together', 'ollama', 'vllm'] as const satisfies readonly PresetType[];

/** Every provider type the OpenAI-compatible adapter serves. */
export const PRESET_TYPES = Object.keys(PRESETS) as PresetType[];

export function isPresetType(type: string): type is PresetType {
  return Object.hasOwn(PRESETS, type);
}

/** OpenAI reasoning models reject max_tokens and want max_completion_tokens. */
export function usesMaxCompletionTokens(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model);
}
