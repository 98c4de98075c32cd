import type { z } from "zod";
import { Duration, OpenPgpKeyRef, PolicySchema } from "./schema.js";

/**
 * The key paths of the policy schema, written as an author reads them: `program.slug`,
 * `contacts[].roles`, `serviceLevels.clocks[].within`. A path names a leaf: a value Embargo
 * either acts on or only publishes. Containers (`incident`, `incident.register`) are not keys of
 * their own: their promises are the keys under them.
 */

/** Value types that count as one key, however many fields they have: a duration is one promise. */
const VALUE_TYPES: readonly z.core.$ZodType[] = [Duration, OpenPgpKeyRef];

/** Every leaf key path of `schema`, in schema order. */
export function schemaKeyPaths(
  schema: z.core.$ZodType = PolicySchema,
  valueTypes: readonly z.core.$ZodType[] = VALUE_TYPES,
): string[] {
  const paths: string[] = [];
  const isValueType = (node: z.core.$ZodType) =>
    valueTypes.some((type) => sameType(type, node) || sameType(unwrap(type), node));
  const walk = (node: z.core.$ZodType, path: string) => {
    const inner = unwrap(node);
    if (isValueType(node) || isValueType(inner)) {
      paths.push(path);
      return;
    }
    const def = inner._zod.def;
    if (def.type === "object") {
      for (const [key, child] of Object.entries((def as z.core.$ZodObjectDef).shape)) {
        walk(child, path === "" ? key : `${path}.${key}`);
      }
    } else if (def.type === "array") {
      const element = (def as z.core.$ZodArrayDef).element;
      // An array of values is one key; an array of mappings is a list whose keys are its items'.
      if (unwrap(element)._zod.def.type === "object" && !isValueType(element)) walk(element, `${path}[]`);
      else paths.push(path);
    } else {
      paths.push(path);
    }
  };
  walk(schema, "");
  return paths;
}

/**
 * The key paths a policy document as written uses (before defaults fill anything in), among
 * `known`: list items collapse to `[]`, and a value type (a duration, a key reference) is one key.
 * Keys outside `known` are left out (the schema reports them as unknown keys).
 */
export function usedKeyPaths(document: unknown, known: ReadonlySet<string>): string[] {
  const used = new Set<string>();
  const walk = (value: unknown, path: string) => {
    if (known.has(path)) {
      used.add(path);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) walk(item, `${path}[]`);
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) walk(child, path === "" ? key : `${path}.${key}`);
    }
  };
  walk(document, "");
  return [...used];
}

/** Through the wrappers that do not change which keys a value has. */
function unwrap(node: z.core.$ZodType): z.core.$ZodType {
  let current = node;
  for (;;) {
    const def = current._zod.def;
    switch (def.type) {
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "readonly":
      case "catch":
      case "nonoptional":
        current = (def as z.core.$ZodOptionalDef).innerType;
        break;
      case "pipe":
        current = (def as z.core.$ZodPipeDef).in;
        break;
      default:
        return current;
    }
  }
}

/**
 * `.meta()` and `.refine()` return copies of a schema; a copy of a value type is still that type.
 * A copy has its own shape object but the very same field schemas, which tell it apart from
 * another object with the same key names.
 */
function sameType(type: z.core.$ZodType, node: z.core.$ZodType): boolean {
  if (type === node) return true;
  const a = type._zod.def;
  const b = node._zod.def;
  if (a.type !== "object" || b.type !== "object") return false;
  const shapeA = (a as z.core.$ZodObjectDef).shape;
  const shapeB = (b as z.core.$ZodObjectDef).shape;
  const keys = Object.keys(shapeA);
  return keys.length === Object.keys(shapeB).length && keys.every((key) => shapeA[key] === shapeB[key]);
}
