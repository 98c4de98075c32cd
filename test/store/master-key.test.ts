import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MasterKeyError } from "../../src/crypto/errors.js";
import { loadMasterKey } from "../../src/crypto/master-key.js";

describe("master key", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "embargo-key-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("takes EMBARGO_SECRET_KEY as base64, base64url or hex", async () => {
    const key = randomBytes(32);
    const dataDir = path.join(root, "unused");
    for (const secretKey of [key.toString("base64"), key.toString("base64url"), key.toString("hex")]) {
      expect((await loadMasterKey({ secretKey, dataDir })).equals(key)).toBe(true);
    }
    await expect(stat(dataDir)).rejects.toThrow(); // no key file when the key comes from the environment
  });

  it("rejects a malformed EMBARGO_SECRET_KEY, naming the setting and not echoing it", async () => {
    for (const secretKey of [
      "short",
      randomBytes(16).toString("base64"),
      "z".repeat(64),
      randomBytes(33).toString("hex"),
    ]) {
      const error = await loadMasterKey({ secretKey, dataDir: root }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MasterKeyError);
      expect((error as Error).message).toMatch(/^EMBARGO_SECRET_KEY must be 32 bytes/);
      expect((error as Error).message).not.toContain(secretKey);
    }
  });

  it("creates <dataDir>/master.key on first start: 32 random bytes, base64, mode 0600, folder 0700", async () => {
    const dataDir = path.join(root, "data", "nested");
    const key = await loadMasterKey({ dataDir });
    const file = path.join(dataDir, "master.key");
    expect(key.length).toBe(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(Buffer.from((await readFile(file, "utf8")).trim(), "base64").equals(key)).toBe(true);
    expect((await loadMasterKey({ dataDir })).equals(key)).toBe(true);
  });

  it("agrees on one key when several instances start at once", async () => {
    const dataDir = path.join(root, "data");
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ dataDir })));
    for (const key of keys) expect(key.equals(keys[0] as Buffer)).toBe(true);
  });

  it("refuses a key file readable by group or others, telling to chmod 600", async () => {
    await loadMasterKey({ dataDir: root });
    const file = path.join(root, "master.key");
    for (const mode of [0o644, 0o640, 0o604]) {
      await chmod(file, mode);
      await expect(loadMasterKey({ dataDir: root })).rejects.toThrow(
        new RegExp(
          `accessible to group or others \\(mode ${mode.toString(8)}\\); restrict it with: chmod 600 `,
        ),
      );
    }
  });

  it("refuses a key file that does not hold a 32-byte key", async () => {
    await writeFile(path.join(root, "master.key"), "not a key\n", { mode: 0o600 });
    await expect(loadMasterKey({ dataDir: root })).rejects.toThrow(/does not hold a 32-byte base64 key/);
  });
});
