import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * A case's hash chain grows in exactly one function: `appendToCase` in src/commands/case-change.ts.
 * Every other way to change a case calls it, so the chain, `updated_at`, `next_due_at` and the
 * timer's wake-up cannot drift apart between copies (there were three before issue 10).
 */
const SRC = path.resolve(import.meta.dirname, "../../src");

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

async function filesMatching(pattern: RegExp): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const file of await sourceFiles(SRC)) {
    const count = (await readFile(file, "utf8")).match(pattern)?.length ?? 0;
    if (count > 0) found.set(path.relative(SRC, file), count);
  }
  return found;
}

describe("the case chain has one writer", () => {
  it("only appendToCase inserts into case_events, once", async () => {
    const writers = await filesMatching(/insertInto\(\s*["']case_events["']\s*\)/g);
    expect(Object.fromEntries(writers)).toEqual({ [path.join("commands", "case-change.ts")]: 1 });
  });

  it("only appendToCase moves a case's chain head (event_count, last_event_hash)", async () => {
    const writers = await filesMatching(/\bevent_count:\s*chain\.head|last_event_hash:\s*chain\.head/g);
    expect([...writers.keys()]).toEqual([path.join("commands", "case-change.ts")]);
  });
});
