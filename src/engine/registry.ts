// A registry: a list of self-describing entries (layer types, optimizers), found by their `type`.
// The list is the only place a type is named outside its own file.

export class Registry<Entry extends { readonly type: string }> {
  readonly types: readonly string[];
  private readonly byType: ReadonlyMap<string, Entry>;

  constructor(readonly entries: readonly Entry[]) {
    this.types = entries.map((entry) => entry.type);
    this.byType = new Map(entries.map((entry) => [entry.type, entry]));
    if (this.byType.size !== entries.length) throw new Error(`registry: two entries share a type (${this.types.join(', ')})`);
  }

  /** The entry of a type from `types` (callers read the type with readType first, so it exists). */
  get(type: string): Entry {
    const entry = this.byType.get(type);
    if (!entry) throw new Error(`registry: no entry for type "${type}"`);
    return entry;
  }

  /** A registry with more entries (types from outside the engine, e.g. a test's). */
  with(...entries: Entry[]): Registry<Entry> {
    return new Registry([...this.entries, ...entries]);
  }
}
