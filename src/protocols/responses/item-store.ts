import type { OutputItem } from './types.ts';

// Clients that assume OpenAI stores responses (the Vercel AI SDK's default) send later turns' earlier output
// as `{"type":"item_reference","id":"msg_..."}`. For translated providers nothing is stored upstream, so the
// output items Dvara itself returned are kept here for a while: bounded in count and age, in this process only.

const MAX_ITEMS = 50_000;
const TTL_MS = 60 * 60 * 1000;

const items = new Map<string, { item: OutputItem; expires: number }>();

export function rememberItems(output: readonly OutputItem[]): void {
  const expires = Date.now() + TTL_MS;
  for (const item of output) {
    items.delete(item.id); // re-inserted at the end: the Map's order is the eviction order
    items.set(item.id, { item, expires });
  }
  // Oldest first: a Map iterates in insertion order.
  for (const id of items.keys()) {
    if (items.size <= MAX_ITEMS) break;
    items.delete(id);
  }
}

export function recallItem(id: string): OutputItem | undefined {
  const hit = items.get(id);
  if (!hit) return undefined;
  if (hit.expires < Date.now()) {
    items.delete(id);
    return undefined;
  }
  return hit.item;
}

export const ITEM_TTL_DESCRIPTION = 'an hour';
