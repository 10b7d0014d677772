// The integration guide's OpenAI Python SDK examples (python/openai_guide.py), as written, against Dvara: chat and
// streaming for every provider's guide model name, structured output and tools on the four translated protocols,
// embeddings, Dvara's headers and error codes.
import { cellsOf, LATEST_REQUIREMENTS, pinned, pythonClientCells } from './python-client.ts';

const ALL = ['openai', 'anthropic', 'gemini', 'bedrock', 'qwen', 'qianfan', 'zhipu', 'deepseek', 'moonshot'];
const TRANSLATED = ['openai', 'anthropic', 'gemini', 'bedrock'];

pythonClientCells({
  name: `python · openai@${pinned(LATEST_REQUIREMENTS, 'openai')}`,
  requirements: LATEST_REQUIREMENTS,
  script: 'openai_guide.py',
  cells: [
    ...cellsOf(['chat', 'stream'], ALL),
    ...cellsOf(['structured output', 'tools'], TRANSLATED),
    'embeddings · openai',
    'headers · any',
    'errors · any',
  ],
  // The guide's "Environment variable approach": export OPENAI_BASE_URL / OPENAI_API_KEY, then OpenAI().
  env: (gw) => ({ OPENAI_BASE_URL: gw.baseURL, OPENAI_API_KEY: gw.key }),
});
