import type { z } from "zod";
import { describeFound, formatPath, type PolicyProblem } from "./problems.js";
import { closestMatch } from "./suggest.js";
import type { YamlSource } from "./yaml-source.js";

/**
 * Turns zod's issues into problems a policy author can act on: each names the field, what
 * was expected and what was found, and suggests the right spelling for a misspelt key or value.
 */
export function schemaProblems(
  source: YamlSource,
  schema: z.ZodType,
  issues: z.core.$ZodIssue[],
): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const seen = new Set<string>();
  const add = (problem: PolicyProblem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(problem);
  };

  // A misspelt key also makes the right key "missing"; the suggestion on the misspelt key says
  // it all, so the missing-key problem is left out.
  const explainedByTypo = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const known = objectKeysAt(schema, issue.path);
    for (const key of issue.keys) {
      const suggestion = closestMatch(key, known);
      if (suggestion !== undefined) explainedByTypo.add(formatPath([...issue.path, suggestion]));
    }
  }

  for (const issue of issues) {
    const missing = valueAt(source.data, issue.path) === undefined;
    if (missing && explainedByTypo.has(formatPath(issue.path))) continue;
    if (issue.code === "unrecognized_keys") {
      const known = objectKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const suggestion = closestMatch(key, known);
        add({
          file: source.file,
          ...source.locate(path, "key"),
          path: formatPath(path),
          message: `unknown key; expected one of: ${known.join(", ")}`,
          ...(suggestion === undefined ? {} : { suggestion }),
        });
      }
      continue;
    }
    const found = valueAt(source.data, issue.path);
    const { expected, suggestion } = expectation(issue, found);
    add({
      file: source.file,
      ...source.locate(issue.path),
      path: formatPath(issue.path),
      message:
        found === undefined
          ? `missing; expected ${expected}`
          : `expected ${expected}, found ${describeFound(found)}`,
      ...(suggestion === undefined ? {} : { suggestion }),
    });
  }
  return problems;
}

function expectation(issue: z.core.$ZodIssue, found: unknown): { expected: string; suggestion?: string } {
  switch (issue.code) {
    case "invalid_type":
      return { expected: TYPE_NAMES[issue.expected] ?? issue.expected };
    case "invalid_value": {
      const values = issue.values.map((v) => String(v));
      const suggestion = typeof found === "string" ? closestMatch(found, values) : undefined;
      const expected = values.length === 1 ? JSON.stringify(issue.values[0]) : `one of: ${values.join(", ")}`;
      return suggestion === undefined ? { expected } : { expected, suggestion };
    }
    case "too_small":
      if (issue.origin === "array") return { expected: `a list of at least ${issue.minimum} item(s)` };
      return { expected: issue.message };
    case "too_big":
      if (issue.origin === "array") return { expected: `a list of at most ${issue.maximum} item(s)` };
      return { expected: issue.message };
    default:
      // Our schema gives every format and custom check a message phrased as what is expected.
      return { expected: issue.message };
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: "a text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
};

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value: unknown = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** The keys the schema allows for the object at `path`, found by walking the zod schema. */
export function objectKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let node: z.core.$ZodType | undefined = schema;
  for (const segment of [...path, null]) {
    node = unwrap(node);
    if (node === undefined) return [];
    const def = node._zod.def;
    if (segment === null) {
      return def.type === "object" ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
    }
    if (def.type === "object") node = (def as z.core.$ZodObjectDef).shape[String(segment)];
    else if (def.type === "array") node = (def as z.core.$ZodArrayDef).element;
    else return [];
  }
  return [];
}

function unwrap(node: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = node;
  for (;;) {
    if (current === undefined) return undefined;
    const def = current._zod.def;
    if (
      def.type === "optional" ||
      def.type === "default" ||
      def.type === "nullable" ||
      def.type === "prefault"
    ) {
      current = (def as z.core.$ZodOptionalDef).innerType;
    } else if (def.type === "pipe") {
      current = (def as z.core.$ZodPipeDef).in;
    } else {
      return current;
    }
  }
}
