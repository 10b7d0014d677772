// What Converse lets each model family do beyond the fields every model shares (AWS's "Supported models and
// model features" table): forcing a tool (tool_choice required/named, and JSON output, which rides on a
// forced tool), a top_k and its field name, extended thinking. Model ids may carry a cross-region prefix
// (`us.anthropic...`) or be an inference-profile ARN.

export interface FamilyTraits {
  /** toolChoice `any` / `tool` are accepted. */
  forcedTools: boolean;
  /** How top_k goes into additionalModelRequestFields, if the family has one. */
  topK?: (k: number) => Record<string, unknown>;
  /** Extended thinking via additionalModelRequestFields.thinking. */
  thinking: boolean;
}

const TRAITS: Record<string, FamilyTraits> = {
  anthropic: { forcedTools: true, topK: (k) => ({ top_k: k }), thinking: true },
  mistral: { forcedTools: true, topK: (k) => ({ top_k: k }), thinking: false },
  amazon: { forcedTools: true, topK: (k) => ({ inferenceConfig: { topK: k } }), thinking: false },
  cohere: { forcedTools: false, topK: (k) => ({ k }), thinking: false },
  meta: { forcedTools: false, thinking: false },
};

/** Families not in the table: the common fields only. */
const UNKNOWN: FamilyTraits = { forcedTools: false, thinking: false };

/** The family of a model id: `anthropic.claude...`, `us.anthropic.claude...`, `arn:...:inference-profile/eu.meta.llama...`. */
export function familyOf(model: string): string | undefined {
  return /(?:^|[./:])(anthropic|mistral|amazon|cohere|meta|deepseek|ai21|writer|qwen|openai)\./.exec(model)?.[1];
}

export function traitsOf(model: string): FamilyTraits {
  return TRAITS[familyOf(model) ?? ''] ?? UNKNOWN;
}
