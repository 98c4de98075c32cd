import { Command, CommanderError } from "commander";
import { resolveIo, type StoreCommandIo, withStore } from "./store-io.js";

const VERIFYING = { title: "Verifying audit chains", command: "audit verify", unit: "cases" };

/** `embargo audit verify`: checks every case's hash-chained event log. Exit 1 when one is broken. */
export function auditCommand(io: StoreCommandIo = {}): Command {
  const { stdout, stderr, options, stderrIsTTY, clock } = resolveIo(io);
  const audit = new Command("audit")
    .description("Check the audit trail")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride();
  audit
    .command("verify")
    .description("Verify every case's hash-chained event log")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async () => {
      const [{ loadMasterKey }, { verifyAuditChains }, { loadKeyring }, { withProgress }] = await Promise.all(
        [
          import("../../crypto/master-key.js"),
          import("../../store/audit.js"),
          import("../../store/data-keys.js"),
          import("../progress.js"),
        ],
      );
      const settings = await options();
      const masterKey = await loadMasterKey(settings);
      const result = await withProgress({ stderr, stderrIsTTY, clock }, (progress) =>
        withStore(settings, async (store) =>
          verifyAuditChains(store, await loadKeyring(store, masterKey), progress.stage(VERIFYING)),
        ),
      );
      if (result.ok) {
        stdout(`ok: ${result.cases} cases, ${result.events} events\n`);
        return;
      }
      stdout(`broken: case ${result.caseId} event #${result.seq}: ${result.reason}\n`);
      throw new CommanderError(1, "embargo.audit.broken", "the audit trail is broken");
    });
  return audit;
}
