// Gemini names no tool calls (2.x) and, from Gemini 3, signs each call with a `thoughtSignature` it wants back
// in the next turn, else 400 "Function call is missing a thought_signature" (providers.md 3.6). OpenAI clients
// keep only a call's id, name and arguments, so the signature travels inside the id Dvara mints: stateless,
// so it survives restarts and works across replicas.

const SEPARATOR = '__ts__';

/** Gemini's documented value for calls it did not sign (history from another model, or trimmed ids). */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

function randomId(): string {
  return crypto.randomUUID().replaceAll('-', '').slice(0, 24);
}

/** The OpenAI tool-call id for one of Gemini's function calls. */
export function toolCallId(callId: string | undefined, signature: string | undefined): string {
  const id = callId || `call_${randomId()}`;
  return signature ? `${id}${SEPARATOR}${signature}` : id;
}

/** The thought signature carried by an id Dvara minted, if any. */
export function signatureOf(toolCallId: string): string | undefined {
  const at = toolCallId.indexOf(SEPARATOR);
  return at === -1 ? undefined : toolCallId.slice(at + SEPARATOR.length) || undefined;
}

/** Models that refuse unsigned function calls in their history. */
export function requiresSignatures(model: string): boolean {
  return /^gemini-(3|[4-9])/.test(model);
}
