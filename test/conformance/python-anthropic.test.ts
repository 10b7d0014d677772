// Existing Anthropic Python SDK code pointed at Dvara with base_url (python/anthropic_guide.py): messages.create,
// the messages.stream helper, tool use with a tool_result round trip, and a bad key.
import { LATEST_REQUIREMENTS, pinned, pythonClientCells } from './python-client.ts';

pythonClientCells({
  name: `python · anthropic@${pinned(LATEST_REQUIREMENTS, 'anthropic')}`,
  requirements: LATEST_REQUIREMENTS,
  script: 'anthropic_guide.py',
  cells: ['chat · anthropic', 'stream · anthropic', 'tools · anthropic', 'errors · any'],
});
