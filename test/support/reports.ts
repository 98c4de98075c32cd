import { randomBytes } from "node:crypto";
import type { Keyring } from "../../src/crypto/keyring.js";
import type { NewReport } from "../../src/store/cases.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import { migrate } from "../../src/store/migrate.js";
import type { TestDatabase, TestStore } from "./databases.js";

/** A complete report with every optional part filled in; override what a test is about. */
export function buildReport(overrides: Partial<NewReport> = {}): NewReport {
  return {
    program: "acme",
    source: "web",
    assetId: "acme-app",
    title: "Stored XSS in the profile page",
    fields: { description: "The bio field renders HTML.\nSteps: …", impact: "Account takeover" },
    credit: { mode: "name", name: "Ada Lovelace", link: "https://ada.example" },
    contact: {
      email: "ada@example.org",
      openpgpKey: "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF…\n-----END PGP PUBLIC KEY BLOCK-----",
    },
    attachments: [
      { filename: "poc.html", contentType: "text/html", data: Buffer.from("<script>alert(1)</script>") },
      { filename: "trace.bin", contentType: "application/octet-stream", data: randomBytes(70_000) },
    ],
    receivedAt: new Date("2026-11-25T09:30:00.123Z"),
    acknowledgeBy: new Date("2026-11-26T17:00:00.000Z"),
    ...overrides,
  };
}

export interface ReadyStore {
  store: TestStore;
  keyring: Keyring;
  masterKey: Buffer;
}

/** A migrated store with a keyring under a fresh master key. Close `store` when done. */
export async function openReadyStore(database: TestDatabase): Promise<ReadyStore> {
  const store = await database.open();
  await migrate(store);
  const masterKey = randomBytes(32);
  return { store, masterKey, keyring: await loadKeyring(store, masterKey) };
}
