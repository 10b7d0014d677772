import { DvaraError } from '../server/errors.ts';

type Obj = Record<string, unknown>;

/**
 * OpenAI sends a tool call's arguments as a JSON string; Anthropic, Gemini and Bedrock want the object.
 * `""` (what clients send for no-argument calls) means `{}`.
 */
export function parseToolArguments(provider: string, args: string, param: string): Obj {
  const refuse = (what: string) => new DvaraError('INVALID_REQUEST', `Provider ${provider} cannot forward tool call arguments that are ${what}`, { param });
  if (args.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch {
    throw refuse('not valid JSON');
  }
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw refuse('not a JSON object');
  return input as Obj;
}
