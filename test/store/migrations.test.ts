import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROTATED_TABLES } from "../../src/commands/rotate-keys.js";
import { migrate, migrateDown, migrateDownAll } from "../../src/store/migrate.js";
import { MIGRATIONS } from "../../src/store/migrations/index.js";
import { databases, type TestStore } from "../support/databases.js";
import { runInstances } from "../support/instances.js";

const APP_TABLES = [
  "advisories",
  "advisory_counters",
  "advisory_revisions",
  "announcements",
  "attachments",
  "backup_log",
  "case_action_items",
  "case_escalations",
  "case_events",
  "case_followers",
  "case_identifiers",
  "case_keys",
  "case_reply_addresses",
  "case_rewards",
  "case_tags",
  "case_timers",
  "case_title_terms",
  "cases",
  "encryption_keys",
  "inbound_mail",
  "mail_threads",
  "outbox",
  "problem_cases",
  "problem_counters",
  "problems",
  "program_keys",
  "published_affected",
  "search_keys",
  "setup_tokens",
  "users",
];

describe.each(databases)("migrations on $name", (database) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await database.open();
  });
  afterEach(async () => {
    await store.close();
  });

  async function appTables(): Promise<string[]> {
    const tables = await store.db.introspection.getTables();
    return tables
      .filter((table) => store.schema === undefined || table.schema === store.schema)
      .map((table) => table.name)
      .filter((name) => APP_TABLES.includes(name))
      .sort();
  }

  it("applies every migration once, in name order", async () => {
    expect(await migrate(store)).toEqual(Object.keys(MIGRATIONS).sort());
    expect(await appTables()).toEqual(APP_TABLES);
    expect(await migrate(store)).toEqual([]);
  });

  it("undoes the latest migration, then all of them, and can apply them again", async () => {
    await migrate(store);
    const names = Object.keys(MIGRATIONS).sort();
    expect(await migrateDown(store)).toBe(names.at(-1));
    if (names.length === 1) expect(await appTables()).toEqual([]);
    await migrateDownAll(store);
    expect(await appTables()).toEqual([]);
    expect(await migrateDown(store)).toBeUndefined();
    await migrate(store);
    expect(await appTables()).toEqual(APP_TABLES);
  });

  it("runs safely from several instances (processes) at once", async () => {
    const outputs = await runInstances(store, "migrate", 3);
    const applied = outputs.flatMap((output) => (output as { applied: string[] }).applied);
    expect(applied.sort()).toEqual(Object.keys(MIGRATIONS).sort());
    expect(await appTables()).toEqual(APP_TABLES);
  });

  it("lists every encrypted column for key rotation", async () => {
    await migrate(store);
    const tables = await store.db.introspection.getTables();
    const encrypted = tables
      .filter((table) => APP_TABLES.includes(table.name))
      .filter((table) => store.schema === undefined || table.schema === store.schema)
      .flatMap((table) =>
        table.columns
          .filter(
            (column) =>
              column.name.endsWith("_ct") || ["blob", "bytea"].includes(column.dataType.toLowerCase()),
          )
          .map((column) => `${table.name}.${column.name}`),
      )
      .sort();
    const rotated = ROTATED_TABLES.flatMap((table) =>
      table.columns.map((column) => `${table.table}.${column}`),
    );
    expect(rotated.sort()).toEqual(encrypted);
  });
});
