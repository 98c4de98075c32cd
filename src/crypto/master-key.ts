import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { MasterKeyError } from "./errors.js";

/**
 * The master key wraps the data keys stored in the database (see keyring.ts). It comes from
 * EMBARGO_SECRET_KEY, or else from `<dataDir>/master.key`, created on first start. Whoever has
 * it and a copy of the database can read every report, so the file must be private to its owner.
 */
export interface MasterKeyOptions {
  /** EMBARGO_SECRET_KEY: 32 bytes as base64 (standard or URL-safe) or as 64 hex characters. */
  secretKey?: string | undefined;
  dataDir: string;
}

export const MASTER_KEY_FILE = "master.key";
const KEY_BYTES = 32;
const HEX = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]{43}=?$/;

/** Decodes a 32-byte key written as hex or base64; undefined when it is neither. */
function decodeKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (HEX.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (!BASE64.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed.replaceAll("-", "+").replaceAll("_", "/"), "base64");
  return key.length === KEY_BYTES ? key : undefined;
}

export async function loadMasterKey(options: MasterKeyOptions): Promise<Buffer> {
  if (options.secretKey !== undefined && options.secretKey.trim() !== "") {
    const key = decodeKey(options.secretKey);
    if (key === undefined) {
      // Never echo the value: it is a secret even when it is malformed.
      throw new MasterKeyError(
        "EMBARGO_SECRET_KEY must be 32 bytes written as base64 (44 characters) or hex (64 characters); " +
          "generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"",
      );
    }
    return key;
  }
  const file = path.join(options.dataDir, MASTER_KEY_FILE);
  return (await readKeyFile(file)) ?? (await createKeyFile(file));
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  // POSIX permissions only; Windows reports synthetic modes.
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new MasterKeyError(
      `the master key file ${file} is accessible to group or others (mode ${(mode & 0o777).toString(8)}); ` +
        `restrict it with: chmod 600 ${file}`,
    );
  }
  const key = decodeKey(await readFile(file, "utf8"));
  if (key === undefined) {
    throw new MasterKeyError(`the master key file ${file} does not hold a 32-byte base64 key`);
  }
  return key;
}

/**
 * Writes a fresh key to a private temporary file, then hard-links it into place: the link fails
 * if the file already exists, so two instances starting at once never see a half-written key and
 * agree on one (the loser reads the winner's file).
 */
async function createKeyFile(file: string): Promise<Buffer> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const temporary = path.join(dir, `.${MASTER_KEY_FILE}.${process.pid}.${randomBytes(6).toString("hex")}`);
  await writeFile(temporary, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, file);
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error;
    const existing = await readKeyFile(file);
    if (existing === undefined) throw error;
    return existing;
  } finally {
    await unlink(temporary);
  }
  return key;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
