// Model families behind Converse differ in what they accept beyond the common fields; a request one cannot
// honour is refused with a 400 naming the parameter rather than failing upstream (or silently not being JSON).
import { describe, expect, test } from 'bun:test';
import type { ChatRequest } from '../../../../src/protocols/openai/types.ts';
import { DvaraError } from '../../../../src/server/errors.ts';
import { familyOf, traitsOf } from '../../../../src/providers/bedrock/families.ts';
import { toConverseRequest } from '../../../../src/providers/bedrock/request.ts';

const hi = [{ role: 'user' as const, content: 'Hi' }];
const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const map = (req: Partial<ChatRequest>, model: string) => toConverseRequest({ model: 'x', messages: hi, ...req } as ChatRequest, model, 'aws', new Map());

function refusal(req: Partial<ChatRequest>, model: string): DvaraError {
  try {
    map(req, model);
  } catch (err) {
    if (err instanceof DvaraError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('familyOf', () => {
  test('plain ids, cross-region inference profiles and ARNs', () => {
    expect(familyOf('anthropic.claude-3-haiku-20240307-v1:0')).toBe('anthropic');
    expect(familyOf('us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toBe('anthropic');
    expect(familyOf('apac.amazon.nova-pro-v1:0')).toBe('amazon');
    expect(familyOf('arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.meta.llama3-2-1b-instruct-v1:0')).toBe('meta');
    expect(familyOf('mistral.mistral-large-2407-v1:0')).toBe('mistral');
    expect(familyOf('cohere.command-r-plus-v1:0')).toBe('cohere');
    expect(familyOf('my-custom-model')).toBeUndefined();
  });
});

describe('per-family request fields', () => {
  test('top_k goes where each family reads it; Llama has none', () => {
    expect(map({ top_k: 7 }, 'anthropic.claude-3-haiku-20240307-v1:0').body.additionalModelRequestFields).toEqual({ top_k: 7 });
    expect(map({ top_k: 7 }, 'mistral.mistral-large-2407-v1:0').body.additionalModelRequestFields).toEqual({ top_k: 7 });
    expect(map({ top_k: 7 }, 'amazon.nova-lite-v1:0').body.additionalModelRequestFields).toEqual({ inferenceConfig: { topK: 7 } });
    expect(map({ top_k: 7 }, 'cohere.command-r-v1:0').body.additionalModelRequestFields).toEqual({ k: 7 });
    expect(refusal({ top_k: 7 }, 'meta.llama3-1-70b-instruct-v1:0').param).toBe('top_k');
  });

  test('forcing a tool (required, named, JSON output) only where Converse allows it', () => {
    const llama = 'meta.llama3-1-70b-instruct-v1:0';
    expect(refusal({ tools: [weather], tool_choice: 'required' }, llama).param).toBe('tool_choice');
    expect(refusal({ response_format: { type: 'json_object' } }, llama).param).toBe('response_format');
    expect(map({ tools: [weather], tool_choice: 'auto' }, llama).body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: weather.function.parameters } } }],
      toolChoice: { auto: {} },
    });
    expect(map({ tools: [weather], tool_choice: 'required' }, 'amazon.nova-pro-v1:0').body.toolConfig?.toolChoice).toEqual({ any: {} });
  });

  test('extended thinking is a Claude feature', () => {
    expect(traitsOf('us.anthropic.claude-3-7-sonnet-20250219-v1:0').thinking).toBe(true);
    expect(refusal({ reasoning_effort: 'low' }, 'amazon.nova-pro-v1:0').param).toBe('reasoning_effort');
  });
});
