import { randomBytes } from "node:crypto";
import { CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditCommand } from "../../src/cli/commands/audit.js";
import { keysCommand } from "../../src/cli/commands/keys.js";
import { migrateCommand } from "../../src/cli/commands/migrate.js";
import type { StoreCommandIo } from "../../src/cli/commands/store-io.js";
import { submitReport } from "../../src/commands/submit-report.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import { storeOptionsFromEnv } from "../../src/store/env.js";
import { MIGRATIONS } from "../../src/store/migrations/index.js";
import { databases, POSTGRES_TEST_URL, type TestStore } from "../support/databases.js";
import { buildReport } from "../support/reports.js";

describe("storeOptionsFromEnv", () => {
  it("reads the three settings, with defaults", () => {
    expect(storeOptionsFromEnv({}, "/nonexistent/embargo.yaml")).toEqual({
      databaseUrl: "sqlite:./data/embargo.db",
      dataDir: "./data",
      secretKey: undefined,
    });
    expect(
      storeOptionsFromEnv(
        {
          EMBARGO_DATABASE_URL: "postgres://db/x",
          EMBARGO_DATA_DIR: "/var/lib/embargo",
          EMBARGO_SECRET_KEY: "k",
        },
        "/nonexistent/embargo.yaml",
      ),
    ).toEqual({ databaseUrl: "postgres://db/x", dataDir: "/var/lib/embargo", secretKey: "k" });
  });
});

describe.each(databases)("store commands on $name", (database) => {
  let store: TestStore;
  let out: string;
  let io: StoreCommandIo;
  const secretKey = randomBytes(32).toString("base64");

  beforeEach(async () => {
    store = await database.open();
    out = "";
    const databaseUrl =
      store.dialect === "sqlite"
        ? `sqlite:${store.location}`
        : `${POSTGRES_TEST_URL}?options=${encodeURIComponent(`-c search_path=${store.location}`)}`;
    io = {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        out += text;
      },
      options: () => ({ databaseUrl, dataDir: "/nonexistent", secretKey }),
    };
  });
  afterEach(async () => {
    await store.close();
  });

  const run = (command: typeof migrateCommand, ...args: string[]) =>
    command(io).parseAsync(args, { from: "user" });

  it("migrate applies, reports up to date, and --down undoes", async () => {
    await run(migrateCommand);
    // Every migration, in name order (derived, so adding a migration does not break this test).
    const names = Object.keys(MIGRATIONS).sort();
    expect(out).toBe(names.map((name) => `applied: ${name}\n`).join(""));
    out = "";
    await run(migrateCommand);
    expect(out).toBe("up to date\n");
    out = "";
    await run(migrateCommand, "--down");
    expect(out).toBe(`undone: ${names.at(-1)}\n`);
  });

  it("audit verify says ok, then names the broken event with exit code 1; keys rotate keeps it ok", async () => {
    await run(migrateCommand);
    const keyring = await loadKeyring(store, Buffer.from(secretKey, "base64"));
    const { caseId } = await submitReport({ store, keyring }, buildReport());
    out = "";
    await run(auditCommand, "verify");
    expect(out).toBe("ok: 1 cases, 3 events\n");

    out = "";
    await run(keysCommand, "rotate");
    // The case's two keys are re-wrapped (its data stays under them) and the search key re-encrypted.
    expect(out).toBe("rotated: data key k2 is active; 3 values re-encrypted, older keys retired\n");
    out = "";
    await run(auditCommand, "verify");
    expect(out).toBe("ok: 1 cases, 3 events\n");

    await store.db.updateTable("case_events").set({ actor: "system" }).where("seq", "=", 2).execute();
    out = "";
    const error = await run(auditCommand, "verify").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(1);
    expect(out).toBe(`broken: case ${caseId} event #2: hash does not match the event's contents\n`);
  });
});
