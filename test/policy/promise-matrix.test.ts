import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLOCKS_PROMISES } from "../../src/policy/promises/clocks.js";
import { DISCLOSURE_PROMISES } from "../../src/policy/promises/disclosure.js";
import { IDENTITY_PROMISES } from "../../src/policy/promises/identity.js";
import { INCIDENT_PROMISES } from "../../src/policy/promises/incident.js";
import { INTAKE_PROMISES } from "../../src/policy/promises/intake.js";
import { RECOGNITION_PROMISES } from "../../src/policy/promises/recognition.js";
import { RETENTION_PROMISES } from "../../src/policy/promises/retention.js";
import { type Keeper, PROMISES } from "../../src/policy/promises.js";
import { schemaKeyPaths } from "../../src/policy/schema-keys.js";

/**
 * "No promise without a keeper": every key of the policy schema is in the catalogue
 * (src/policy/promises.ts), enforced with the tests that prove it, published only with a reason,
 * or not enforced yet with its issue. The lists below are frozen on purpose: a key leaves them
 * when someone makes Embargo keep its promise (or proves it does) and edits both places.
 */
const NOT_YET: Readonly<Record<string, 11 | 12 | 13>> = {};

/** Kept by the code but proven by no test yet; each entry says what test would prove it. */
const UNPROVEN: readonly string[] = [];

const entries = Object.entries(PROMISES);
const keysWhere = (keep: (keeper: Keeper) => boolean) =>
  entries
    .filter(([, keeper]) => keep(keeper))
    .map(([path]) => path)
    .sort();

/** Whether `text` has a test (it, test, or their .each) titled exactly `name`. */
function hasTestTitled(text: string, name: string): boolean {
  const title = name.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
  return new RegExp(`\\b(?:it|test)(?:\\.each\\([^)]*\\))?\\(\\s*(["'\`])${title}\\1`).test(text);
}

describe("the promise catalogue", () => {
  const schemaKeys = schemaKeyPaths();

  it("has an entry for every key of the policy schema", () => {
    expect(schemaKeys.filter((path) => PROMISES[path] === undefined)).toEqual([]);
  });

  it("lists each key in one part of the catalogue only", () => {
    const parts = [
      IDENTITY_PROMISES,
      INTAKE_PROMISES,
      CLOCKS_PROMISES,
      INCIDENT_PROMISES,
      DISCLOSURE_PROMISES,
      RECOGNITION_PROMISES,
      RETENTION_PROMISES,
    ];
    const keys = parts.flatMap((part) => Object.keys(part));
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
    // The parts and the version key are the whole catalogue.
    expect(keys.length + 1).toBe(Object.keys(PROMISES).length);
  });

  it("names no key the policy schema lacks", () => {
    const known = new Set(schemaKeys);
    expect(Object.keys(PROMISES).filter((path) => !known.has(path))).toEqual([]);
  });

  it("cites, for every enforced key, test files that exist and hold a test of that exact title", () => {
    const broken: string[] = [];
    for (const [path, keeper] of entries) {
      if (keeper.keeper !== "enforced") continue;
      for (const { file, name } of keeper.tests) {
        if (!existsSync(file)) broken.push(`${path}: no file ${file}`);
        else if (!hasTestTitled(readFileSync(file, "utf8"), name))
          broken.push(`${path}: no test "${name}" in ${file}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("says what the running system does for every enforced key, and cites a test unless it says which is missing", () => {
    const unclear = entries.filter(
      ([, keeper]) =>
        keeper.keeper === "enforced" &&
        (keeper.what.trim() === "" ||
          keeper.tests.length > 0 === (keeper.missingTest !== undefined) ||
          keeper.missingTest?.trim() === ""),
    );
    expect(unclear.map(([path]) => path)).toEqual([]);
  });

  it("lists exactly the frozen keys as enforced without a test", () => {
    expect(keysWhere((keeper) => keeper.keeper === "enforced" && keeper.missingTest !== undefined)).toEqual(
      [...UNPROVEN].sort(),
    );
  });

  it("lists exactly the frozen keys, with their issues, as not enforced yet", () => {
    const notYet = Object.fromEntries(
      entries.flatMap(([path, keeper]) =>
        keeper.keeper === "not-yet" ? [[path, keeper.issue] as const] : [],
      ),
    );
    expect(notYet).toEqual(NOT_YET);
    expect(keysWhere((keeper) => keeper.keeper === "not-yet" && keeper.what.trim() === "")).toEqual([]);
  });

  it("gives every published-only key a reason", () => {
    expect(keysWhere((keeper) => keeper.keeper === "published-only" && keeper.reason.trim() === "")).toEqual(
      [],
    );
  });
});
