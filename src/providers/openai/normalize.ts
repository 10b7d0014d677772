import type { Usage } from '../../protocols/openai/types.ts';
import type { Preset } from '../openai-compatible/presets.ts';

// Normalisation shared by JSON responses and stream chunks: compatible providers' deviations are
// rewritten into OpenAI's shape, so clients and accounting see one format.

type Obj = Record<string, unknown>;
type Choice = { finish_reason?: unknown; usage?: unknown; delta?: { tool_calls?: Array<Obj & { function?: Obj }> } };

/** Fills OpenAI's cached/reasoning token fields from the provider's own names. */
export function normalizeUsage(raw: unknown): Usage | null {
  if (!raw || typeof raw !== 'object') return null;
  const u = raw as Usage & { prompt_cache_hit_tokens?: number; cached_tokens?: number };
  const prompt = Number(u.prompt_tokens ?? 0);
  const completion = Number(u.completion_tokens ?? 0);
  const usage: Usage = { ...u, prompt_tokens: prompt, completion_tokens: completion, total_tokens: Number(u.total_tokens ?? prompt + completion) };
  const cached = u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens ?? u.cached_tokens;
  if (cached !== undefined && u.prompt_tokens_details?.cached_tokens === undefined) {
    usage.prompt_tokens_details = { ...u.prompt_tokens_details, cached_tokens: cached };
  }
  return usage;
}

/**
 * Rewrites one parsed response or chunk in place; returns whether anything changed.
 * - finish reasons outside OpenAI's set (Zhipu `sensitive`) are mapped;
 * - Moonshot's `choices[0].usage` is hoisted to the top level;
 * - DashScope's continuation tool-call deltas repeat `"id":""`, which clients would take as a new id.
 */
export function normalizeChoices(obj: Obj, preset: Preset): boolean {
  const choices = obj.choices;
  if (!Array.isArray(choices)) return false;
  let changed = false;
  for (const c of choices as Choice[]) {
    if (preset.finishReasons && typeof c.finish_reason === 'string' && preset.finishReasons[c.finish_reason]) {
      c.finish_reason = preset.finishReasons[c.finish_reason];
      changed = true;
    }
    if (preset.usageInChoices && c.usage && typeof c.usage === 'object') {
      if (!obj.usage) obj.usage = c.usage;
      delete c.usage;
      changed = true;
    }
    for (const tc of c.delta?.tool_calls ?? []) {
      if (tc.id === '') {
        delete tc.id;
        changed = true;
      }
      if (tc.function?.name === '') {
        delete tc.function.name;
        changed = true;
      }
    }
  }
  return changed;
}
