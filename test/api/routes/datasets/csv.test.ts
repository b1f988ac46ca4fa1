// parseCsv: quoting, escaped quotes, CRLF, blank lines, and unterminated quotes.

import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../../src/api/routes/datasets/csv.js';

describe('parseCsv', () => {
  it('splits header and rows, honouring quotes and CRLF', () => {
    const table = parseCsv('a,"b, c",d\r\n1,"say ""hi""",3\r\n\r\n4,5,6');
    expect(table.header).toEqual(['a', 'b, c', 'd']);
    expect(table.rows).toEqual([['1', 'say "hi"', '3'], ['4', '5', '6']]);
  });

  it('rejects an empty document and an unterminated quote', () => {
    expect(() => parseCsv('\n\n')).toThrow(/empty/);
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(/quoted/);
  });
});
