import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROTATED_TABLES } from "../../src/commands/rotate-keys.js";
import { submitReport } from "../../src/commands/submit-report.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import { openDatabase } from "../../src/store/database.js";
import { runEmbargo } from "../support/cli.js";
import { buildReport } from "../support/reports.js";

/** A clock for the progress reports that moves `step` milliseconds at every reading. */
function steppingClock(step: number): () => number {
  let now = 0;
  return () => {
    now += step;
    return now;
  };
}

/**
 * The long commands' progress on stderr, through the entry point's code (runEmbargo): plain lines
 * when stderr is not a terminal, one redrawn and cleared line when it is; stdout as without it.
 */
describe("progress of the long commands", () => {
  const dir = mkdtempSync(join(tmpdir(), "embargo-progress-"));
  const secretKey = randomBytes(32).toString("base64");
  const env = {
    EMBARGO_DATABASE_URL: `sqlite:${join(dir, "embargo.db")}`,
    EMBARGO_DATA_DIR: dir,
    EMBARGO_SECRET_KEY: secretKey,
  };

  beforeAll(async () => {
    expect((await runEmbargo(["migrate"], { env })).code).toBe(0);
    const store = await openDatabase(env.EMBARGO_DATABASE_URL);
    try {
      const keyring = await loadKeyring(store, Buffer.from(secretKey, "base64"));
      for (const title of ["First", "Second", "Third"])
        await submitReport({ store, keyring }, buildReport({ title, attachments: [] }));
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("audit verify, not on a terminal: plain lines once it has run 2 s, then the final count", async () => {
    // One second a reading: the report at 1 s stays quiet, those from 2 s on are written.
    const result = await runEmbargo(["audit", "verify"], {
      env,
      stderrIsTTY: false,
      clock: steppingClock(1_000),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("ok: 3 cases, 3 events\n");
    expect(result.stderr).toBe(
      "audit verify: 1/3 cases\naudit verify: 2/3 cases\naudit verify: 3/3 cases, done\n",
    );
  });

  it("audit verify on a terminal: a line redrawn at most every 100 ms, cleared at the end", async () => {
    const result = await runEmbargo(["audit", "verify"], {
      env,
      stderrIsTTY: true,
      clock: steppingClock(50),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("ok: 3 cases, 3 events\n");
    const last = "Verifying audit chains: 2 / 3 cases (66%)";
    expect(result.stderr).toBe(
      `\rVerifying audit chains: 0 / 3 cases (0%)\r${last}\r${" ".repeat(last.length)}\r`,
    );
  });

  it("a quick audit verify, not on a terminal, adds nothing to stderr", async () => {
    const result = await runEmbargo(["audit", "verify"], { env, stderrIsTTY: false, clock: () => 0 });
    expect(result).toEqual({ code: 0, stdout: "ok: 3 cases, 3 events\n", stderr: "" });
  });

  it("keys rotate, not on a terminal: counts every row of the encrypted tables", async () => {
    const store = await openDatabase(env.EMBARGO_DATABASE_URL);
    let rows = 0;
    try {
      for (const table of ROTATED_TABLES) {
        const counted = await sql<{ n: number }>`select count(*) as n from ${sql.table(table.table)}`.execute(
          store.db,
        );
        rows += Number(counted.rows[0]?.n);
      }
    } finally {
      await store.close();
    }
    const result = await runEmbargo(["keys", "rotate"], {
      env,
      stderrIsTTY: false,
      clock: steppingClock(10_000),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^rotated: data key k2 is active; \d+ values re-encrypted, older keys retired\n$/,
    );
    const lines = result.stderr.split("\n");
    expect(lines[0]).toBe(`keys rotate: 0/${rows} rows`);
    expect(lines.at(-2)).toBe(`keys rotate: ${rows}/${rows} rows, done`);
    expect(lines.at(-1)).toBe("");
    for (const line of lines.slice(1, -2))
      expect(line).toMatch(new RegExp(`^keys rotate: \\d+/${rows} rows$`));
  });

  it("backup and restore, not on a terminal: rows written, then each stage of the restore", async () => {
    const file = join(dir, "embargo.backup");
    const clock = steppingClock(10_000);
    const made = await runEmbargo(["backup", file], { env, stderrIsTTY: false, clock });
    expect(made.code).toBe(0);
    const rows = Number(/: (\d+) rows in \d+ tables/.exec(made.stdout)?.[1]);
    expect(made.stderr.split("\n").slice(-2)).toEqual([`backup: ${rows}/${rows} rows, done`, ""]);

    const targetEnv = { ...env, EMBARGO_DATABASE_URL: `sqlite:${join(dir, "restored.db")}` };
    const restored = await runEmbargo(["restore", file], { env: targetEnv, stderrIsTTY: false, clock });
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("chains: 3 cases verified (3 events)");
    const ends = restored.stderr.split("\n").filter((line) => line.endsWith(", done"));
    expect(ends).toEqual([
      `restore (checking): ${rows}/${rows} rows, done`,
      `restore (inserting): ${rows}/${rows} rows, done`,
      "restore (verifying chains): 3/3 cases, done",
    ]);
  });
});
