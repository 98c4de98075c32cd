import { existsSync } from "node:fs";
import { Command } from "commander";
import { existingMasterKey } from "./backup.js";
import { resolveIo, type StoreCommandIo } from "./store-io.js";

/** What a copy shows as it goes (src/cli/progress.ts). */
const COPYING = { title: "Copying", command: "store copy", unit: "rows" };
const VERIFYING = {
  title: "Verifying audit chains",
  command: "store copy (verifying chains)",
  unit: "cases",
};

const SQLITE = "sqlite:";
const POSTGRES = /^postgres(ql)?:\/\//;

/**
 * A database URL fit to print: the password, if any, replaced; a URL that does not parse shows
 * its scheme only (as openDatabase does), since the rest may hold a password.
 */
export function redactUrl(url: string): string {
  if (url.startsWith(SQLITE)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return `${url.slice(0, url.indexOf(":") + 1)}…`;
  }
}

/** The URLs a copy takes: from SQLite (or PostgreSQL) that exists, to PostgreSQL. */
function checkUrls(from: string, to: string): void {
  if (!from.startsWith(SQLITE) && !POSTGRES.test(from))
    throw new Error(`--from takes sqlite:<path> or postgres://… (not "${redactUrl(from)}")`);
  // openDatabase would make an empty SQLite file at a mistyped path, and copy nothing.
  if (from.startsWith(SQLITE) && !existsSync(from.slice(SQLITE.length)))
    throw new Error(`there is no database at ${from.slice(SQLITE.length)} to copy`);
  if (!POSTGRES.test(to)) throw new Error(`--to takes a postgres://… URL (not "${redactUrl(to)}")`);
  if (from === to) throw new Error("--from and --to name the same database");
}

/**
 * `embargo store copy --from sqlite:<path> --to postgres://…`: a stopped installation moved into
 * an empty PostgreSQL database (src/store/copy.ts), checked there before it commits.
 */
export function storeCommand(io: StoreCommandIo = {}): Command {
  const { stdout, stderr, options, stderrIsTTY, clock } = resolveIo(io);
  const store = new Command("store")
    .description("Move the database")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride();
  store
    .command("copy")
    .description(
      "Copy a stopped installation's database (--from, usually SQLite) into an empty PostgreSQL " +
        "database (--to), then check every table's rows and every case's audit trail there " +
        "(needs the installation's master key)",
    )
    .requiredOption("--from <url>", "the database to copy: sqlite:<path> (or postgres://…)")
    .requiredOption(
      "--to <url>",
      "the empty PostgreSQL database to copy into: postgres://… (a schema: ?options=-c%20search_path%3D<name>)",
    )
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async ({ from, to }: { from: string; to: string }) => {
      checkUrls(from, to);
      const settings = await options();
      const masterKey = await existingMasterKey(settings, "copying the database");
      const [{ copyStore }, { openDatabase }, { withProgress }] = await Promise.all([
        import("../../store/copy.js"),
        import("../../store/database.js"),
        import("../progress.js"),
      ]);
      const result = await withProgress({ stderr, stderrIsTTY, clock }, async (progress) => {
        const source = await openDatabase(from);
        try {
          const target = await openDatabase(to, { poolSize: 2 });
          try {
            return await copyStore(source, target, masterKey, {
              onCopied: progress.stage(COPYING),
              onVerified: progress.stage(VERIFYING),
            });
          } finally {
            await target.close();
          }
        } finally {
          await source.close();
        }
      });
      const rows = result.tables.reduce((sum, table) => sum + table.rows, 0);
      const width = Math.max(...result.tables.map((table) => table.name.length), 5);
      const lines = [
        `copied ${redactUrl(from)} to ${redactUrl(to)} (schema ${result.migration})`,
        ...result.tables.map((table) => `  ${table.name.padEnd(width)}  ${table.rows}`),
        `rows: ${rows} in ${result.tables.length} tables, the same on both sides`,
        `chains: ${result.cases} cases verified (${result.events} events)`,
        `Next: start Embargo with EMBARGO_DATABASE_URL set to the PostgreSQL database.`,
      ];
      stdout(`${lines.join("\n")}\n`);
    });
  return store;
}
