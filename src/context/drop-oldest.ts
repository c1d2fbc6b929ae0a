/**
 * Which items `truncation: "auto"` may drop, oldest first, in units that must go together: a function call
 * (or custom / computer / shell call) with its output, parallel calls with all their outputs, a reasoning item
 * with the item it precedes. System and developer messages stay wherever they are, and so does the last user
 * turn (the last user message and everything after it).
 */
import type { Item } from '../api/items.js';

export interface DropUnit {
  /** Indices into the item list, ascending. */
  indices: number[];
}

export function droppableUnits(items: Item[]): DropUnit[] {
  let lastUser = -1;
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i].type === 'message' && items[i].role === 'user') { lastUser = i; break; }
  }
  // With no user message at all, only the last item is "the turn" that must stay.
  const protectedFrom = lastUser >= 0 ? lastUser : Math.max(0, items.length - 1);
  const units: DropUnit[] = [];
  let current: number[] = [];
  const open = new Set<string>();
  for (let i = 0; i < protectedFrom; i++) {
    const item = items[i];
    if (isInstruction(item)) continue;
    current.push(i);
    const callId = typeof item.call_id === 'string' ? item.call_id : null;
    if (callId && item.type.endsWith('_output')) open.delete(callId);
    else if (callId) open.add(callId);
    // A reasoning item belongs to what follows it; a call is not complete without its output.
    if (item.type !== 'reasoning' && open.size === 0) {
      units.push({ indices: current });
      current = [];
    }
  }
  // An unfinished unit (a call whose output is in the protected turn, a trailing reasoning item) stays.
  return units;
}

function isInstruction(item: Item): boolean {
  return item.type === 'message' && (item.role === 'system' || item.role === 'developer');
}
