// The checks the real Gemini API makes after the body has parsed (gemini-proto.ts), with Google's messages:
// empty or role-less turns, parts with no or several data fields, function-call/response turn order, tool
// schemas Gemini cannot use, generationConfig ranges, and Gemini 3's thought-signature rule (providers.md
// 3.1, 3.6). Messages in the "* Request.field: ...\n" style are the backend's own; where the exact wording
// of a real message is unknown it is marked "wording guessed".

type Obj = Record<string, any>;

export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

const DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const MIME_TYPES = ['text/plain', 'application/json', 'application/xml', 'application/yaml', 'text/x.enum'];
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

const snakePath = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const star = (req: string, path: string, text: string) => `* ${req}.${path}: ${text}\n`;
const partsOf = (c: Obj | undefined): Obj[] => (Array.isArray(c?.parts) ? c.parts : []);
const calls = (c: Obj | undefined) => partsOf(c).filter((p) => p.functionCall);
const responses = (c: Obj | undefined) => partsOf(c).filter((p) => p.functionResponse);

/** Google's INVALID_ARGUMENT message for a parsed GenerateContentRequest, or null when it would be accepted. */
export function validateGenerate(req: Obj, model: string, reqName = 'GenerateContentRequest'): string | null {
  const contents = (req.contents ?? []) as Obj[];
  if (contents.length === 0) return star(reqName, 'contents', 'contents is not specified');
  const declared = new Set<string>();
  for (const tool of (req.tools ?? []) as Obj[]) for (const fd of (tool.functionDeclarations ?? []) as Obj[]) declared.add(fd.name);
  const hasDeclarations = declared.size > 0;

  for (let i = 0; i < contents.length; i++) {
    const c = contents[i]!;
    if (c.role !== undefined && c.role !== '' && c.role !== 'user' && c.role !== 'model') return 'Please use a valid role: user, model.';
    const problem = checkParts(c.parts, `contents[${i}]`, reqName);
    if (problem) return problem;
    for (let j = 0; j < partsOf(c).length; j++) {
      const p = partsOf(c)[j]!;
      const fn = p.functionCall ?? p.functionResponse;
      if (fn && hasDeclarations && !declared.has(fn.name)) {
        const which = p.functionCall ? 'function_call' : 'function_response';
        // wording guessed
        return star(reqName, `contents[${i}].parts[${j}].${which}.name`, `function \`${fn.name}\` is not declared in tools.function_declarations`);
      }
    }
    // The turn-order rules every adapter that splits OpenAI `tool` messages trips over.
    if (responses(c).length > 0) {
      const prev = contents[i - 1];
      if (calls(prev).length === 0) return 'Please ensure that function response turn comes immediately after a function call turn.';
      if (calls(prev).length !== responses(c).length) {
        return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
      }
    }
    if (calls(c).length > 0 && (i === 0 || contents[i - 1]!.role === 'model')) {
      return 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.';
    }
  }
  if (req.systemInstruction) {
    const problem = checkParts(req.systemInstruction.parts, 'system_instruction', reqName);
    if (problem) return problem;
  }
  return checkTools(req, reqName) ?? checkToolConfig(req, declared, reqName) ?? checkConfig(req.generationConfig ?? {}, model, reqName) ?? checkSignatures(contents, model);
}

function checkParts(parts: Obj[] | undefined, where: string, reqName: string): string | null {
  if (!parts || parts.length === 0) return star(reqName, `${where}.parts`, 'contents.parts must not be empty.');
  for (let j = 0; j < parts.length; j++) {
    const set = DATA_FIELDS.filter((f) => parts[j]![f] !== undefined);
    if (set.length === 0) return star(reqName, `${where}.parts[${j}].data`, "required oneof field 'data' must have one initialized field");
    if (set.length > 1) {
      return `Invalid JSON payload received. Unknown name "${set[1]}" at '${where}.parts[${j}]': Oneof field 'data' is already set. Cannot set '${set[1]}'`;
    }
    const blob = parts[j]!.inlineData ?? parts[j]!.fileData;
    const field = parts[j]!.inlineData ? 'inline_data' : 'file_data';
    if (blob && !blob.mimeType) return star(reqName, `${where}.parts[${j}].${field}.mime_type`, 'mime_type must be specified'); // wording guessed
  }
  return null;
}

function checkTools(req: Obj, reqName: string): string | null {
  const tools = (req.tools ?? []) as Obj[];
  for (let t = 0; t < tools.length; t++) {
    const decls = (tools[t]!.functionDeclarations ?? []) as Obj[];
    for (let d = 0; d < decls.length; d++) {
      const fd = decls[d]!;
      const at = `tools[${t}].function_declarations[${d}]`;
      if (typeof fd.name !== 'string' || !NAME_RE.test(fd.name)) {
        return star(reqName, `${at}.name`, 'Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum length of 64.');
      }
      if (fd.parameters && fd.parametersJsonSchema !== undefined) {
        return star(reqName, `${at}.parameters_json_schema`, 'parameters and parameters_json_schema cannot both be set.'); // wording guessed
      }
      const problem = fd.parameters ? checkSchema(fd.parameters, `${at}.parameters`, reqName) : null;
      if (problem) return problem;
    }
  }
  return null;
}

/** Rules Gemini applies to its OpenAPI-subset Schema (function parameters and responseSchema alike). */
function checkSchema(s: Obj, at: string, reqName: string): string | null {
  const props = (s.properties ?? {}) as Obj;
  const names = Object.keys(props);
  if (s.type === 'OBJECT' && names.length === 0) return star(reqName, `${at}.properties`, 'should be non-empty for OBJECT type');
  if (s.enum && s.type !== 'STRING') return star(reqName, `${at}.enum`, 'only allowed for STRING type');
  const required = (s.required ?? []) as string[];
  for (let r = 0; r < required.length; r++) if (!(required[r]! in props)) return star(reqName, `${at}.required[${r}]`, 'property is not defined');
  for (let i = 0; i < names.length; i++) {
    const problem = checkSchema(props[names[i]!], `${at}.properties[${i}].value`, reqName);
    if (problem) return problem;
  }
  if (s.items) {
    const problem = checkSchema(s.items, `${at}.items`, reqName);
    if (problem) return problem;
  }
  for (let a = 0; a < (s.anyOf ?? []).length; a++) {
    const problem = checkSchema(s.anyOf[a], `${at}.any_of[${a}]`, reqName);
    if (problem) return problem;
  }
  return null;
}

function checkToolConfig(req: Obj, declared: Set<string>, reqName: string): string | null {
  const fcc = req.toolConfig?.functionCallingConfig;
  const allowed = (fcc?.allowedFunctionNames ?? []) as string[];
  if (allowed.length === 0) return null;
  const at = 'tool_config.function_calling_config.allowed_function_names';
  if (fcc.mode !== 'ANY' && fcc.mode !== 'VALIDATED') return star(reqName, at, 'allowed_function_names may only be set when mode is ANY or VALIDATED.'); // wording guessed
  const unknown = allowed.find((n) => !declared.has(n));
  return unknown === undefined ? null : star(reqName, at, `function \`${unknown}\` is not declared in tools.function_declarations`); // wording guessed
}

function range(name: string, value: number, lo: string, hi: string): string {
  // The "Unable to submit request" range wording is what Google's backends answer for sampling parameters.
  return `Unable to submit request because it has a ${name} value of ${value} but the supported range is from ${lo} to ${hi}. Update the value and try again.`;
}

function checkConfig(g: Obj, model: string, reqName: string): string | null {
  const at = (f: string) => `generation_config.${snakePath(f)}`;
  if (g.temperature !== undefined && (g.temperature < 0 || g.temperature > 2)) return range('temperature', g.temperature, '0 (inclusive)', '2.0001 (exclusive)');
  if (g.topP !== undefined && (g.topP < 0 || g.topP > 1)) return range('topP', g.topP, '0 (inclusive)', '1.0001 (exclusive)');
  if (g.topK !== undefined && g.topK < 1) return range('topK', g.topK, '1 (inclusive)', '41 (exclusive)');
  for (const p of ['presencePenalty', 'frequencyPenalty']) {
    if (g[p] !== undefined && (g[p] < -2 || g[p] >= 2)) return range(p, g[p], '-2.0 (inclusive)', '2.0 (exclusive)');
  }
  if (g.maxOutputTokens !== undefined && g.maxOutputTokens <= 0) return star(reqName, at('maxOutputTokens'), 'max_output_tokens must be positive.'); // wording guessed
  if (g.candidateCount !== undefined && (g.candidateCount < 1 || g.candidateCount > 8)) return star(reqName, at('candidateCount'), 'candidate_count must be in the range [1, 8].'); // wording guessed
  if ((g.stopSequences ?? []).length > 5) return star(reqName, at('stopSequences'), 'Maximum number of stop sequences is 5.'); // wording guessed
  const mime = g.responseMimeType;
  if (mime !== undefined && !MIME_TYPES.includes(mime)) {
    return star(reqName, at('responseMimeType'), 'allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.');
  }
  if (g.responseSchema && g.responseJsonSchema !== undefined) {
    return star(reqName, at('responseJsonSchema'), 'response_json_schema and response_schema cannot both be set.'); // wording guessed
  }
  if ((g.responseSchema || g.responseJsonSchema !== undefined) && mime !== 'application/json' && mime !== 'text/x.enum') {
    const which = g.responseSchema ? 'response_schema' : 'response_json_schema';
    return star(reqName, at('responseMimeType'), `response_mime_type must be set to application/json or text/x.enum when ${which} is set.`); // wording guessed
  }
  if (g.responseSchema) {
    const problem = checkSchema(g.responseSchema, at('responseSchema'), reqName);
    if (problem) return problem;
  }
  if (g.thinkingConfig?.thinkingBudget === 0 && model.startsWith('gemini-2.5-pro')) return 'Budget 0 is invalid. This model only works in thinking mode.';
  return null;
}

/** Gemini 3 wants its thought signatures replayed: in the current turn (since the last user text), the
 * first functionCall part of each model step must carry one. Only the first: parallel calls carry a single
 * signature, on the first part (ai.google.dev/gemini-api/docs/thought-signatures). */
function checkSignatures(contents: Obj[], model: string): string | null {
  if (!model.startsWith('gemini-3')) return null;
  let start = 0;
  contents.forEach((c, i) => {
    if (c.role !== 'model' && partsOf(c).some((p) => typeof p.text === 'string')) start = i;
  });
  for (let i = start; i < contents.length; i++) {
    const first = calls(contents[i]).at(0);
    if (contents[i]!.role === 'model' && first && !first.thoughtSignature) {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${first.functionCall.name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
  }
  return null;
}
