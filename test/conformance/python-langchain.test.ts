// The integration guide's LangChain examples (python/langchain_guide.py) against Dvara, with langchain 0.3 (the
// newest on which the guide's agent code runs as written) and langchain 1.x (its current agent idioms): ChatOpenAI,
// a prompt | llm chain and its stream, with_structured_output, OpenAIEmbeddings, and the tool-calling agent.
import { cellsOf, GUIDE_REQUIREMENTS, LATEST_REQUIREMENTS, pinned, pythonClientCells } from './python-client.ts';

const CELLS = [...cellsOf(['chat', 'stream', 'structured output', 'agents'], ['openai', 'anthropic', 'gemini', 'bedrock']), 'embeddings · openai' as const];

pythonClientCells({
  name: `python · langchain-openai@${pinned(GUIDE_REQUIREMENTS, 'langchain-openai')} (guide)`,
  requirements: GUIDE_REQUIREMENTS,
  script: 'langchain_guide.py',
  cells: CELLS,
});

pythonClientCells({
  name: `python · langchain-openai@${pinned(LATEST_REQUIREMENTS, 'langchain-openai')} (latest)`,
  requirements: LATEST_REQUIREMENTS,
  script: 'langchain_guide.py',
  cells: CELLS,
});
