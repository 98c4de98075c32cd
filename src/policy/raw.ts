/**
 * Defensive readers for a policy document that may not match the schema. Cross-section checks
 * use them so they can run even when the schema found problems elsewhere in the same file:
 * an author sees every problem in one pass.
 */
export type Raw = Record<string, unknown>;

export function record(value: unknown): Raw | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Raw) : undefined;
}

export function records(value: unknown): (Raw | undefined)[] {
  return Array.isArray(value) ? value.map(record) : [];
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function texts(value: unknown): (string | undefined)[] {
  return Array.isArray(value) ? value.map(text) : [];
}

export function at(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) current = record(current)?.[key];
  return current;
}
