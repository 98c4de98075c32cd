import { Command } from "commander";
import { resolveIo, type StoreCommandIo, withStore } from "./store-io.js";

/** `embargo migrate [--down]`: brings the database schema up to date, or undoes the latest migration. */
export function migrateCommand(io: StoreCommandIo = {}): Command {
  const { stdout, stderr, options } = resolveIo(io);
  return new Command("migrate")
    .description("Bring the database schema up to date (EMBARGO_DATABASE_URL)")
    .option("--down", "undo the latest migration instead")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: { down?: boolean }) => {
      const { migrate, migrateDown } = await import("../../store/migrate.js");
      await withStore(await options(), async (store) => {
        if (flags.down) {
          const name = await migrateDown(store);
          stdout(name === undefined ? "nothing to undo\n" : `undone: ${name}\n`);
          return;
        }
        const applied = await migrate(store);
        stdout(applied.length === 0 ? "up to date\n" : applied.map((name) => `applied: ${name}\n`).join(""));
      });
    });
}
