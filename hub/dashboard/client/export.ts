// hub/dashboard/client — documents the console hands out: CSV (RFC 4180) saved as a download.

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export const csvField = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Rows (the header first) as CSV text, CRLF line ends. */
export const toCsv = (rows: unknown[][]): string => rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';

export function download(name: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
