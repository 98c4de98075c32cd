import { Command } from "commander";
import { type KeysPgpCommandIo, keysPgpCommand } from "./keys-pgp.js";
import { resolveIo, type StoreCommandIo, withStore } from "./store-io.js";

const REENCRYPTING = { title: "Re-encrypting", command: "keys rotate", unit: "rows" };

/**
 * `embargo keys rotate`: a new data key, everything re-encrypted under it, older keys retired.
 * `embargo keys pgp …`: the programs' OpenPGP keys (keys-pgp.ts).
 */
export function keysCommand(io: StoreCommandIo & Pick<KeysPgpCommandIo, "config" | "env"> = {}): Command {
  const { stdout, stderr, options, stderrIsTTY, clock } = resolveIo(io);
  const keys = new Command("keys")
    .description("Manage the encryption keys")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride();
  keys
    .command("rotate")
    .description("Add a data key, re-encrypt all stored data with it, retire the older keys")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async () => {
      const [{ rotateDataKey }, { loadMasterKey }, { withProgress }] = await Promise.all([
        import("../../commands/rotate-keys.js"),
        import("../../crypto/master-key.js"),
        import("../progress.js"),
      ]);
      const settings = await options();
      const masterKey = await loadMasterKey(settings);
      const { keyId, reencrypted } = await withProgress({ stderr, stderrIsTTY, clock }, (progress) =>
        withStore(settings, (store) =>
          rotateDataKey(store, masterKey, { onProgress: progress.stage(REENCRYPTING) }),
        ),
      );
      stdout(
        `rotated: data key ${keyId} is active; ${reencrypted} values re-encrypted, older keys retired\n`,
      );
    });
  keys.addCommand(keysPgpCommand({ stdout, stderr, config: io.config, env: io.env }));
  return keys;
}
