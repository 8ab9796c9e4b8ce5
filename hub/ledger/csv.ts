// hub/ledger — a small RFC 4180 CSV reader (pure): quoted fields, doubled quotes, CRLF or LF, embedded newlines.
import { LedgerError } from './errors.js';

/**
 * Records with their row number as a spreadsheet shows it: 1-based, one per unquoted line break (a quoted newline
 * stays inside its cell). Blank lines are skipped but still counted.
 */
export function parseCsv(text: string): { row: number; cells: string[] }[] {
  const out: { row: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let row = 1;
  let quoted = false;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '')) out.push({ row, cells });
    cells = [];
    cell = '';
  };
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') { cell += '"'; i++; }
      else quoted = false;
    } else if (c === '"') {
      if (cell !== '') throw new LedgerError('invalid', `row ${row}: a quote may only start a field`, `row ${row}`);
      quoted = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      row++;
    } else cell += c;
  }
  if (quoted) throw new LedgerError('invalid', `row ${row}: a quoted field is never closed`, `row ${row}`);
  if (cell !== '' || cells.length > 0) endRecord();
  return out;
}
