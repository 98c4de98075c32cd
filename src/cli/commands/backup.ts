import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import type { StoreOptions } from "../../store/env.js";
import { resolveIo, type StoreCommandIo, withStore } from "./store-io.js";

/**
 * The master key, never a new one: `loadMasterKey` makes master.key when there is none (a first
 * start), which here would only encrypt a backup no one can open, or fail to read a restored one.
 */
export async function existingMasterKey(settings: StoreOptions, purpose: string): Promise<Buffer> {
  const { loadMasterKey, MASTER_KEY_FILE } = await import("../../crypto/master-key.js");
  const file = path.join(settings.dataDir, MASTER_KEY_FILE);
  if ((settings.secretKey ?? "").trim() === "" && !existsSync(file)) {
    throw new Error(
      `${purpose} needs the master key: set EMBARGO_SECRET_KEY, or EMBARGO_DATA_DIR to the folder ` +
        `holding its master.key (there is none at ${file})`,
    );
  }
  return loadMasterKey(settings);
}

/** What backup and restore show as they go (src/cli/progress.ts). */
const BACKING_UP = { title: "Backing up", command: "backup", unit: "rows" };
const RESTORE_CHECKING = { title: "Checking the backup", command: "restore (checking)", unit: "rows" };
const RESTORE_INSERTING = { title: "Restoring", command: "restore (inserting)", unit: "rows" };
const RESTORE_VERIFYING = {
  title: "Verifying audit chains",
  command: "restore (verifying chains)",
  unit: "cases",
};

/** `embargo backup FILE`: a consistent, encrypted backup of the whole database, taken while it runs. */
export function backupCommand(io: StoreCommandIo = {}): Command {
  const { stdout, stderr, options, stderrIsTTY, clock } = resolveIo(io);
  return new Command("backup")
    .description(
      "Write a consistent, encrypted backup of the database to FILE while the server runs " +
        "(the master key is not in it: keep it apart, restoring needs it)",
    )
    .argument("<file>", "where to write the backup (written privately, then renamed into place)")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (file: string) => {
      const settings = await options();
      // openDatabase would make an empty SQLite file at a mistyped path and back that up.
      if (settings.databaseUrl.startsWith("sqlite:")) {
        const database = settings.databaseUrl.slice("sqlite:".length);
        if (!existsSync(database)) throw new Error(`there is no database at ${database} to back up`);
      }
      const folder = path.dirname(path.resolve(file));
      if (!existsSync(folder) || !statSync(folder).isDirectory())
        throw new Error(`there is no folder ${folder} to write the backup in`);
      if (existsSync(file) && !statSync(file).isFile()) throw new Error(`${file} is not a file`);
      const masterKey = await existingMasterKey(settings, "a backup");
      const [{ backupStore }, { withProgress }, { recordBackup }] = await Promise.all([
        import("../../store/backup/backup.js"),
        import("../progress.js"),
        import("../../store/backup-log.js"),
      ]);
      const summary = await withProgress({ stderr, stderrIsTTY, clock }, (progress) =>
        withStore(settings, async (store) => {
          const written = await backupStore(store, masterKey, file, {
            onProgress: progress.stage(BACKING_UP),
          });
          // Logged after it is written, at the time its snapshot began: an erasure after that
          // time names this backup as still holding what it erased (src/store/backup-log.ts).
          if (!(await recordBackup(store, path.resolve(file), new Date(written.header.createdAt)))) {
            stderr(
              "note: this database's schema predates the backup log; `embargo erase` will not list this backup\n",
            );
          }
          return written;
        }),
      );
      const { header, rows } = summary;
      stdout(
        `backup written to ${file}: ${rows} rows in ${header.tables.length} tables ` +
          `(${header.dialect}, schema ${header.migration}, taken at ${header.createdAt})\n` +
          "The master key is not in the backup: keep it apart; restoring needs it.\n",
      );
    });
}

/** `embargo restore FILE`: the backup back into an empty database, then its audit check. */
export function restoreCommand(io: StoreCommandIo = {}): Command {
  const { stdout, stderr, options, stderrIsTTY, clock } = resolveIo(io);
  return new Command("restore")
    .description(
      "Restore a backup made by `embargo backup` into an empty database, then verify every case's " +
        "audit trail (needs the master key the backup was made with)",
    )
    .argument("<file>", "the backup file")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (file: string) => {
      if (!existsSync(file) || !statSync(file).isFile())
        throw new Error(`there is no backup file at ${file}`);
      const settings = await options();
      const masterKey = await existingMasterKey(settings, "restoring a backup");
      const [{ restoreBackup }, { withProgress }] = await Promise.all([
        import("../../store/backup/restore.js"),
        import("../progress.js"),
      ]);
      const result = await withProgress({ stderr, stderrIsTTY, clock }, (progress) =>
        withStore(settings, (store) =>
          restoreBackup(store, file, masterKey, {
            onChecked: progress.stage(RESTORE_CHECKING),
            onInserted: progress.stage(RESTORE_INSERTING),
            onVerified: progress.stage(RESTORE_VERIFYING),
          }),
        ),
      );
      const width = Math.max(...result.tables.map((table) => table.name.length), 5);
      const lines = [
        `restored ${file} (taken at ${result.header.createdAt} from ${result.header.dialect}, ` +
          `schema ${result.header.migration})`,
        ...result.tables.map((table) => `  ${table.name.padEnd(width)}  ${table.rows}`),
        ...(result.upgraded.length === 0 ? [] : [`migrations run since: ${result.upgraded.join(", ")}`]),
        `chains: ${result.cases} cases verified (${result.events} events)`,
      ];
      stdout(`${lines.join("\n")}\n`);
    });
}
