// The integration guide's LiteLLM examples (python/litellm_guide.py), as written, against Dvara: completion() with
// api_base for the guide's three "openai/<model>" names, streaming, and the environment-variable approach.
import { cellsOf, LATEST_REQUIREMENTS, pinned, pythonClientCells } from './python-client.ts';

pythonClientCells({
  name: `python · litellm@${pinned(LATEST_REQUIREMENTS, 'litellm')}`,
  requirements: LATEST_REQUIREMENTS,
  script: 'litellm_guide.py',
  cells: cellsOf(['chat', 'stream'], ['openai', 'anthropic', 'gemini']),
  // The guide's "Environment variable approach": export OPENAI_API_BASE / OPENAI_API_KEY.
  env: (gw) => ({ OPENAI_API_BASE: gw.baseURL, OPENAI_API_KEY: gw.key }),
});
