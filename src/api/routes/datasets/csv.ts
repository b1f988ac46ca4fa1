// A small RFC 4180 CSV reader: comma-separated, optional double-quoted fields with "" escapes, CRLF or
// LF line ends, blank lines skipped. Returns the header and the data rows as strings.

import { validationError } from '../../../errors.js';

export interface CsvTable {
  header: string[];
  rows: string[][];
}

export function parseCsv(text: string): CsvTable {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    if (record.length > 1 || record[0].trim() !== '') records.push(record);
    record = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) throw validationError('CSV ends inside a quoted field', [{ path: '/csv', message: 'unterminated quote' }]);
  if (field !== '' || record.length > 0) endRecord();
  const [header, ...rows] = records;
  if (!header) throw validationError('CSV is empty: expected a header row and data rows', [{ path: '/csv', message: 'empty' }]);
  return { header: header.map((h) => h.trim()), rows };
}
