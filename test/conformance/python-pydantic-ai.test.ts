// The integration guide's Pydantic AI examples (python/pydantic_ai_guide.py) against Dvara: as written on the newest
// release that still runs them (OpenAIModel(base_url=...), result_type, result.data), and in the current idiom
// (OpenAIChatModel + OpenAIProvider, output_type, result.output) on the newest release.
import { cellsOf, GUIDE_REQUIREMENTS, LATEST_REQUIREMENTS, pinned, pythonClientCells } from './python-client.ts';

const CELLS = cellsOf(['chat', 'stream', 'structured output', 'tools'], ['openai', 'anthropic', 'gemini', 'bedrock']);

pythonClientCells({
  name: `python · pydantic-ai@${pinned(GUIDE_REQUIREMENTS, 'pydantic-ai-slim')} (guide)`,
  requirements: GUIDE_REQUIREMENTS,
  script: 'pydantic_ai_guide.py',
  cells: CELLS,
});

pythonClientCells({
  name: `python · pydantic-ai@${pinned(LATEST_REQUIREMENTS, 'pydantic-ai-slim')} (latest)`,
  requirements: LATEST_REQUIREMENTS,
  script: 'pydantic_ai_guide.py',
  cells: CELLS,
});
