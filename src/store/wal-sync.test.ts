import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { walSyncer } from "./wal-sync.js";

describe("walSyncer", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "embargo-wal-sync-"));
    await writeFile(path.join(dir, "embargo.db-wal"), "frames");
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it("lets calls made during a sync share the next one, which starts after it", async () => {
    const probe = await open(path.join(dir, "embargo.db-wal"), "r");
    const prototype = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const real = prototype.datasync;
    const order: string[] = [];
    let release: () => void = () => undefined;
    const datasync = vi.spyOn(prototype, "datasync").mockImplementation(async function (this: unknown) {
      order.push("start");
      if (order.length === 1) await new Promise<void>((resolve) => (release = resolve));
      await real.call(this);
      order.push("end");
    });
    const sync = walSyncer(path.join(dir, "embargo.db"));
    const first = sync();
    await vi.waitFor(() => expect(order).toEqual(["start"]));
    // Three commits while the first sync runs: one more sync covers them all.
    const later = [sync(), sync(), sync()];
    expect(later[0]).toBe(later[2]);
    release();
    await Promise.all([first, ...later]);
    expect(order).toEqual(["start", "end", "start", "end"]);
    expect(datasync).toHaveBeenCalledTimes(2);
    await sync.close();
  });

  it("fails the calls of a failing sync, and syncs again on the next call", async () => {
    const sync = walSyncer(path.join(dir, "missing.db"));
    await expect(sync()).rejects.toThrow("ENOENT");
    await writeFile(path.join(dir, "missing.db-wal"), "frames");
    await expect(sync()).resolves.toBeUndefined();
    await sync.close();
  });
});
