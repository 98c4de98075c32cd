/**
 * Another Embargo instance, as a separate process: SQLite's locks are per process and
 * better-sqlite3 waits for them synchronously, so two stores on one file inside one test process
 * would block each other's event loop. Usage: store-child.ts migrate|keyring <database url>
 * [schema]; the master key comes from EMBARGO_SECRET_KEY. Prints one JSON line.
 */

import { loadMasterKey } from "../../src/crypto/master-key.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import { openDatabase } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";

const [action, url, schema] = process.argv.slice(2);
if (url === undefined) throw new Error("usage: store-child.ts migrate|keyring <url> [schema]");
const store = await openDatabase(url, schema === undefined ? {} : { schema });
// Start together: process start-up times differ by more than the races being tested.
const startAt = Number(process.env.EMBARGO_TEST_START_AT ?? 0);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
try {
  if (action === "migrate") {
    process.stdout.write(`${JSON.stringify({ applied: await migrate(store) })}\n`);
  } else if (action === "keyring") {
    const masterKey = await loadMasterKey({
      secretKey: process.env.EMBARGO_SECRET_KEY,
      dataDir: "/nonexistent",
    });
    const keyring = await loadKeyring(store, masterKey);
    process.stdout.write(`${JSON.stringify({ active: keyring.active.id, ids: keyring.ids() })}\n`);
  } else {
    throw new Error(`unknown action ${action}`);
  }
} finally {
  await store.close();
}
