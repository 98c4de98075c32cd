import { Command, CommanderError } from "commander";
import { resolveIo, type StoreCommandIo, withStore } from "./store-io.js";

/**
 * `embargo erase --case ID|KITSU-12 [--contact-only] [--reason TEXT]`: a reporter's request to be
 * forgotten. Destroys the case's keys (src/store/erasure.ts) and records a `case.erased` event;
 * says which backups were made before (they still hold what was erased).
 */
export function eraseCommand(io: StoreCommandIo = {}): Command {
  const { stdout, stderr, options } = resolveIo(io);
  return new Command("erase")
    .description("Erase a case's content, or only the reporter's contact details, by destroying its keys")
    .requiredOption("--case <id>", "the case: its id or its reference (KITSU-12)")
    .option("--contact-only", "erase only the reporter's contact details and their raw mail")
    .option("--reason <text>", "why (recorded on the case)", "the reporter asked for it (embargo erase)")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: { case: string; contactOnly?: boolean; reason: string }) => {
      const [{ loadMasterKey }, { loadKeyring }, { eraseCase }, { findCaseToErase }, { backupsBefore }] =
        await Promise.all([
          import("../../crypto/master-key.js"),
          import("../../store/data-keys.js"),
          import("../../commands/erase-case.js"),
          import("../../store/erasure-lookup.js"),
          import("../../store/backup-log.js"),
        ]);
      const settings = await options();
      const masterKey = await loadMasterKey(settings);
      await withStore(settings, async (store) => {
        const found = await findCaseToErase(store, flags.case);
        if (found === undefined) {
          throw new CommanderError(1, "embargo.erase.unknownCase", `no case "${flags.case.slice(0, 80)}"\n`);
        }
        const keyring = await loadKeyring(store, masterKey);
        const scope = flags.contactOnly === true ? "contact" : "content";
        const at = new Date();
        const outcome = await eraseCase(
          { store, keyring },
          found.id,
          { scope, reason: flags.reason, actor: "system" },
          at,
        ).catch((error: unknown) => {
          if (error instanceof Error && "code" in error && error.code === "embargo.case.erased") {
            throw new CommanderError(1, "embargo.erase.already", `${found.label} was already erased\n`);
          }
          throw error;
        });
        stdout(
          `erased ${scope === "contact" ? "the contact details of" : "the content of"} ${found.label}: keys ${outcome.keys.join(", ")} destroyed\n`,
        );
        const older = await backupsBefore(store, at);
        if (older.length > 0) {
          stdout(
            `${older.length} backup(s) made before this still hold it; a restore of one brings it back, so erase again after restoring:\n`,
          );
          for (const backup of older) stdout(`  ${backup.createdAt.toISOString()}  ${backup.file}\n`);
        }
      });
    });
}
