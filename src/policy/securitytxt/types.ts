/** One problem found in a security.txt file. */
export interface SecurityTxtProblem {
  /** 1-based line in the checked text; 0 when the problem concerns the whole file (e.g. a missing field). */
  line: number;
  /** The field name as written in the file, when the problem is about one field. */
  field?: string;
  /** Stable machine-readable identifier, e.g. `missing-contact`, `bad-uri`, `expired`. */
  code: string;
  message: string;
}

/** A `name: value` field. `name` is as written; field names are compared case-insensitively. */
export interface SecurityTxtField {
  name: string;
  value: string;
  line: number;
}

export interface SecurityTxtReport {
  /** True when the text is wrapped in an OpenPGP cleartext signature (the signature itself is not verified). */
  signed: boolean;
  fields: SecurityTxtField[];
  errors: SecurityTxtProblem[];
  warnings: SecurityTxtProblem[];
}

export interface SecurityTxtOptions {
  /** The clock used for the expiry checks (the checker never reads the system clock). */
  now: Date;
  /** The URI the file was fetched from; compared with the Canonical fields. */
  expectedCanonical?: string;
}

/** Internal: a problem together with its severity; `checkSecurityTxt` sorts these into the report. */
export interface Finding extends SecurityTxtProblem {
  severity: "error" | "warning";
}

/** A physical line of the input, without its line terminator. */
export interface SourceLine {
  number: number;
  text: string;
}

export function error(line: number, code: string, message: string, field?: string): Finding {
  return field === undefined
    ? { severity: "error", line, code, message }
    : { severity: "error", line, field, code, message };
}

export function warning(line: number, code: string, message: string, field?: string): Finding {
  return field === undefined
    ? { severity: "warning", line, code, message }
    : { severity: "warning", line, field, code, message };
}

/** Quotes a value for a message, shortening long ones so messages stay readable. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}
