// An optimizer's state in a checkpoint: tensors `optimizer.{parameter}.{slot}` plus the slot names
// and step count in the metadata. Restoring checks the tensors against the optimizer's declared
// slots and the model's parameters: an unknown or missing slot or tensor is CHECKPOINT_INVALID,
// naming it, never a silent fresh start.

import { EngineError } from '../errors.js';
import type { Float } from '../tensor.js';
import type { OptimizerState } from './optimizer.js';

const PREFIX = 'optimizer.';

export function optimizerTensorName(parameter: string, slot: string): string {
  return `${PREFIX}${parameter}.${slot}`;
}

/** What a checkpoint's metadata says about its optimizer state (`slots` absent: written before slots were listed). */
export interface SavedOptimizerState {
  type: string;
  step: number;
  slots?: string[];
}

/**
 * The state for an optimizer with `slots`, from a checkpoint's tensors. `parameters` are the model's
 * (name and length), in the optimizer's order.
 */
export function restoreOptimizerState(
  saved: SavedOptimizerState, slots: readonly string[], tensors: ReadonlyMap<string, Float>,
  parameters: readonly { name: string; length: number }[],
): OptimizerState {
  const fail = (message: string) => new EngineError('CHECKPOINT_INVALID', `checkpoint: ${saved.type} optimizer state: ${message}`);
  const found = new Set<string>();
  for (const name of tensors.keys()) {
    if (!name.startsWith(PREFIX)) continue;
    const owner = parameters.filter((p) => name.startsWith(`${PREFIX}${p.name}.`)).sort((a, b) => b.name.length - a.name.length)[0];
    if (!owner) throw fail(`tensor ${name} belongs to no parameter of this model`);
    found.add(name.slice(PREFIX.length + owner.name.length + 1));
  }
  const listed = saved.slots ?? [...found];
  const unknown = [...new Set([...listed, ...found])].filter((slot) => !slots.includes(slot));
  if (unknown.length > 0) throw fail(`unknown slot ${unknown.map((s) => `"${s}"`).join(', ')} (${saved.type} keeps ${slots.join(', ') || 'none'})`);
  if (listed.length === 0) {
    if (found.size > 0) throw fail(`slot ${[...found].join(', ')} is stored but the checkpoint lists none`);
    return { step: saved.step, slots: {} };
  }
  const missingSlots = slots.filter((slot) => !listed.includes(slot));
  if (missingSlots.length > 0) throw fail(`missing slot ${missingSlots.map((s) => `"${s}"`).join(', ')}`);
  const state: OptimizerState = { step: saved.step, slots: {} };
  const missing: string[] = [];
  for (const slot of slots) {
    state.slots[slot] = parameters.map(({ name, length }) => {
      const tensor = tensors.get(optimizerTensorName(name, slot));
      if (!tensor || tensor.length !== length) missing.push(optimizerTensorName(name, slot));
      return tensor!;
    });
  }
  if (missing.length > 0) throw fail(`tensor ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} missing or of the wrong size`);
  return state;
}
