import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rotateDataKey } from "../../src/commands/rotate-keys.js";
import { submitReport } from "../../src/commands/submit-report.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { backupStore } from "../../src/store/backup/backup.js";
import { restoreBackup } from "../../src/store/backup/restore.js";
import { databases, type TestStore } from "../support/databases.js";
import { buildReport, openReadyStore } from "../support/reports.js";

/** Every (done, total) a long operation reports, in order. */
function recorder(): { calls: [number, number][]; onProgress: (done: number, total: number) => void } {
  const calls: [number, number][] = [];
  return { calls, onProgress: (done, total) => void calls.push([done, total]) };
}

/** The counts only grow, the total stays, and the last report is the whole. */
function expectProgress(calls: readonly [number, number][], total: number): void {
  expect(calls[0]).toEqual([0, total]);
  expect(calls.at(-1)).toEqual([total, total]);
  for (const [index, [done, of]] of calls.entries()) {
    expect(of).toBe(total);
    if (index > 0) expect(done).toBeGreaterThanOrEqual(calls[index - 1]![0]);
  }
}

/** The onProgress callbacks the CLI's progress display (src/cli/progress.ts) hears from the store. */
describe.each(databases)("progress of the long store operations on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  let masterKey: Buffer;
  let dir: string;
  beforeEach(async () => {
    ({ store, keyring, masterKey } = await openReadyStore(database));
    dir = await mkdtemp(join(tmpdir(), "embargo-progress-"));
    for (const title of ["First", "Second", "Third"])
      await submitReport({ store, keyring }, buildReport({ title, attachments: [] }));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("audit verification reports each case of those there are", async () => {
    const { calls, onProgress } = recorder();
    expect(await verifyAuditChains(store, keyring, onProgress)).toEqual({ ok: true, cases: 3, events: 3 });
    expect(calls).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it("key rotation reports the rows of the encrypted tables, batch by batch", async () => {
    const { calls, onProgress } = recorder();
    // The 3 cases' 6 keys, the 3 cases, their 3 events and the title index's search key.
    await rotateDataKey(store, masterKey, { batchSize: 1, onProgress });
    expectProgress(calls, 13);
    expect(calls.length).toBeGreaterThan(13);
  });

  it("backup reports the rows written; restore the rows checked, the rows inserted and the cases verified", async () => {
    const file = join(dir, "embargo.backup");
    const written = recorder();
    const { rows } = await backupStore(store, masterKey, file, { onProgress: written.onProgress });
    expectProgress(written.calls, rows);

    const target = await database.open();
    try {
      const [checked, inserted, verified] = [recorder(), recorder(), recorder()];
      const result = await restoreBackup(target, file, masterKey, {
        onChecked: checked.onProgress,
        onInserted: inserted.onProgress,
        onVerified: verified.onProgress,
      });
      expect(result.cases).toBe(3);
      expectProgress(checked.calls, rows);
      expect(checked.calls).toHaveLength(rows + 1);
      expectProgress(inserted.calls, rows);
      expect(inserted.calls).toHaveLength(rows + 1);
      expectProgress(verified.calls, 3);
    } finally {
      await target.close();
    }
  });
});
