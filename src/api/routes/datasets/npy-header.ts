// The `.npy` header: a Python dict literal, read the way numpy reads it (numpy.lib.format:
// ast.literal_eval, then exactly the keys descr, fortran_order and shape, and a shape of ints), by a
// small recursive-descent parser rather than regular expressions, so nothing else slips through.
// Duplicate keys: the last wins, as in Python (and so in numpy). Ints are decimal (np.save writes
// nothing else; Python's 0x/0o/0b forms are refused, like CSV numbers).

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

type PyValue = string | boolean | number | PyValue[] | { tuple: PyValue[] };

const KEYS = ['descr', 'fortran_order', 'shape'];

/** Parses the header text; throws an Error whose message says what was wrong. */
export function parseNpyHeader(text: string): NpyHeader {
  const parser = new LiteralParser(text);
  const dict = parser.dict();
  parser.end();
  const keys = [...dict.keys()].sort();
  if (keys.join() !== KEYS.join()) throw new Error(`header keys must be exactly ${KEYS.join(', ')}, received ${keys.join(', ') || 'none'}`);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') throw new Error('descr must be a string (structured dtypes are not supported)');
  if (typeof fortran !== 'boolean') throw new Error('fortran_order must be True or False');
  if (!isTuple(shape) || !shape.tuple.every((d): d is number => typeof d === 'number')) throw new Error('shape must be a tuple of ints');
  return { descr, fortranOrder: fortran, shape: shape.tuple };
}

function isTuple(value: PyValue | undefined): value is { tuple: PyValue[] } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class LiteralParser {
  private at = 0;
  constructor(private readonly text: string) {}

  dict(): Map<string, PyValue> {
    this.expect('{');
    const entries = new Map<string, PyValue>();
    while (!this.peek('}')) {
      const key = this.value();
      if (typeof key !== 'string') throw this.error('dict keys must be strings');
      this.expect(':');
      entries.delete(key); // the last duplicate wins, and keeps its place last
      entries.set(key, this.value());
      if (!this.peek('}')) this.expect(',');
    }
    this.expect('}');
    return entries;
  }

  end(): void {
    this.skipSpace();
    if (this.at !== this.text.length) throw this.error('text after the dict');
  }

  private value(): PyValue {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === "'" || c === '"') return this.string(c);
    if (c === '(') return { tuple: this.sequence('(', ')') };
    if (c === '[') return this.sequence('[', ']');
    const word = /^(True|False)\b/.exec(this.text.slice(this.at));
    if (word) {
      this.at += word[0].length;
      return word[0] === 'True';
    }
    // A Python decimal int: no sign (the shape has none), no leading zeros, single underscores between digits.
    const int = /^(0|[1-9](_?\d)*)(?![\w.])/.exec(this.text.slice(this.at));
    if (int) {
      this.at += int[0].length;
      const n = Number(int[0].replaceAll('_', ''));
      if (!Number.isSafeInteger(n)) throw this.error(`int ${int[0]} is too large`);
      return n;
    }
    throw this.error('expected a string, True, False, a decimal int, a tuple or a list');
  }

  private sequence(open: string, close: string): PyValue[] {
    this.expect(open);
    const items: PyValue[] = [];
    let commas = 0;
    while (!this.peek(close)) {
      items.push(this.value());
      if (this.peek(close)) break;
      this.expect(',');
      commas++;
    }
    this.expect(close);
    // (4) is the int 4 in Python, not a tuple: a one-item tuple needs its comma.
    if (open === '(' && items.length === 1 && commas === 0) throw this.error('a one-item tuple needs a trailing comma, as in (4,)');
    return items;
  }

  private string(quote: string): string {
    const end = this.text.indexOf(quote, this.at + 1);
    if (end === -1) throw this.error('unterminated string');
    const body = this.text.slice(this.at + 1, end);
    if (body.includes('\\') || body.includes('\n')) throw this.error('escapes in strings are not supported');
    this.at = end + 1;
    return body;
  }

  private peek(token: string): boolean {
    this.skipSpace();
    return this.text.startsWith(token, this.at);
  }

  private expect(token: string): void {
    if (!this.peek(token)) throw this.error(`expected "${token}"`);
    this.at += token.length;
  }

  private skipSpace(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at])) this.at++;
  }

  private error(why: string): Error {
    return new Error(`${why} at character ${this.at} of the header`);
  }
}
