// The built-in family table (contract: Model routing, step 3): a bare model name → the provider type that
// serves that family. Only providers actually configured are considered.

export const FAMILIES: ReadonlyArray<{ pattern: string; type: string }> = [
  { pattern: 'text-embedding-004', type: 'gemini' },
  { pattern: 'gpt-*', type: 'openai' },
  { pattern: 'o1*', type: 'openai' },
  { pattern: 'o3*', type: 'openai' },
  { pattern: 'o4*', type: 'openai' },
  { pattern: 'text-embedding-*', type: 'openai' },
  { pattern: 'chatgpt-*', type: 'openai' },
  { pattern: 'claude-*', type: 'anthropic' },
  { pattern: 'gemini-*', type: 'gemini' },
  { pattern: 'qwen-*', type: 'qwen' },
  { pattern: 'ernie-*', type: 'qianfan' },
  { pattern: 'glm-*', type: 'zhipu' },
  { pattern: 'deepseek-*', type: 'deepseek' },
  { pattern: 'moonshot-*', type: 'moonshot' },
  { pattern: 'kimi-*', type: 'moonshot' },
];
