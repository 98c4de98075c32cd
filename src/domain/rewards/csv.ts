/**
 * CSV for the finance side (RFC 4180: CRLF line ends; a field with a comma, a double quote or a
 * line break is quoted, its quotes doubled), safe to open in a spreadsheet: a cell starting with
 * = + - @, a tab or a carriage return is prefixed with a single quote, as OWASP recommends
 * against CSV injection, so no spreadsheet reads it as a formula. Pure.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(values: readonly (string | number | null)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

export function csvDocument(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  return [header, ...rows].map(csvLine).join("");
}
