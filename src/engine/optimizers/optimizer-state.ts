// An optimizer's state in a checkpoint: tensors `optimizer.{parameter}.{slot}` plus the slot names
// and step count in the metadata. Restoring checks them against the slots the saved config keeps
// and the model's parameters: an unknown or missing slot or tensor is CHECKPOINT_INVALID, naming
// it, never a silent fresh start.

import { EngineError } from '../errors.js';
import type { Float } from '../tensor.js';
import type { OptimizerState } from './optimizer.js';

const PREFIX = 'optimizer.';

export function optimizerTensorName(parameter: string, slot: string): string {
  return `${PREFIX}${parameter}.${slot}`;
}

/** What a checkpoint's metadata says about its optimizer state. */
export interface SavedOptimizerState {
  type: string;
  step: number;
  /** The slots stored; absent in checkpoints written before they were listed. */
  slots?: string[];
}

const quoted = (names: Iterable<string>) => [...names].map((n) => `"${n}"`).join(', ');

/**
 * The state from a checkpoint's tensors, for an optimizer whose saved config `keeps` these slots
 * once it has stepped. `parameters` are the model's (name and length), in the optimizer's order.
 */
export function restoreOptimizerState(
  saved: SavedOptimizerState, keeps: readonly string[], tensors: ReadonlyMap<string, Float>,
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
  const unknown = [...new Set([...listed, ...found])].filter((slot) => !keeps.includes(slot));
  if (unknown.length > 0) throw fail(`unknown slot ${quoted(unknown)} (this config keeps ${quoted(keeps) || 'none'})`);
  const unlisted = [...found].filter((slot) => !listed.includes(slot));
  if (unlisted.length > 0) throw fail(`slot ${quoted(unlisted)} is stored but not listed`);
  // Before its first step an optimizer keeps nothing; after it, everything its config keeps.
  // (Older checkpoints did not count SGD's steps: what they hold is what they kept.)
  const expected = saved.slots === undefined ? listed : saved.step > 0 ? keeps : [];
  const missing = expected.filter((slot) => !listed.includes(slot));
  if (missing.length > 0) throw fail(`missing slot ${quoted(missing)} after ${saved.step} steps`);
  const early = listed.filter((slot) => !expected.includes(slot));
  if (early.length > 0) throw fail(`slot ${quoted(early)} is stored before the first step`);

  const state: OptimizerState = { step: saved.step, slots: {} };
  const absent: string[] = [];
  for (const slot of listed) {
    state.slots[slot] = parameters.map(({ name, length }) => {
      const tensor = tensors.get(optimizerTensorName(name, slot));
      if (!tensor || tensor.length !== length) absent.push(optimizerTensorName(name, slot));
      return tensor!;
    });
  }
  if (absent.length > 0) throw fail(`tensor ${absent.slice(0, 3).join(', ')}${absent.length > 3 ? ` and ${absent.length - 3} more` : ''} missing or of the wrong size`);
  return state;
}

/**
 * A copy of an optimizer's state from before a step, so that a step the divergence guard rejects
 * leaves no trace in the moments or the step count either. The copies are reused from step to step.
 */
export class OptimizerSnapshot {
  private step = 0;
  private slots: Record<string, Float[]> = {};

  capture(state: OptimizerState): void {
    this.step = state.step;
    for (const name of Object.keys(this.slots)) if (!(name in state.slots)) delete this.slots[name];
    for (const [name, buffers] of Object.entries(state.slots)) {
      const copies = this.slots[name];
      if (copies?.length === buffers.length && copies.every((c, i) => c.length === buffers[i].length)) copies.forEach((c, i) => c.set(buffers[i]));
      else this.slots[name] = buffers.map((b) => b.slice());
    }
  }

  /** The captured state, as fresh arrays the optimizer may own (slots it did not have yet are dropped). */
  restore(): OptimizerState {
    return { step: this.step, slots: Object.fromEntries(Object.entries(this.slots).map(([name, copies]) => [name, copies.map((c) => c.slice())])) };
  }
}
