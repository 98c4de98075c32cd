import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { CryptoError } from "./errors.js";

/**
 * The encryption of a backup file (src/store/backup/). The rows inside are mostly ciphertext
 * already, but their metadata (programs, dates, states, who did what) is not: the whole file is
 * encrypted too, as a stream, so a backup of any size needs only one block in memory.
 *
 *   "EMBARGO-BACKUP/1\n" (17 bytes) | salt (32) | key check (32) | block | block | … | last block
 *   block: flag (1 byte: 0, or 1 for the last) | length (4 bytes, big-endian) | ciphertext | tag (16)
 *
 * HKDF-SHA256(master key, salt, "embargo:backup") gives 64 bytes: the file's AES-256-GCM key and
 * a key check, stored so that a wrong master key is told apart from a damaged file. Block n's
 * nonce is n (8 bytes, big-endian), 3 zero bytes and the flag, and its AAD the file's prefix: a
 * block moved, dropped, or flagged last early does not authenticate, and a file that stops
 * before its last block is known to be cut short.
 */
export const BACKUP_MAGIC = Buffer.from("EMBARGO-BACKUP/1\n", "ascii");
const SALT_BYTES = 32;
const CHECK_BYTES = 32;
const PREFIX_BYTES = BACKUP_MAGIC.length + SALT_BYTES + CHECK_BYTES;
const BLOCK_HEADER_BYTES = 5;
const TAG_BYTES = 16;
/** Plaintext bytes per block. */
export const BACKUP_BLOCK_BYTES = 64 * 1024;
/** The most a block may claim to hold: a larger length is damage, not a reason to buffer it. */
const MAX_BLOCK_BYTES = 1024 * 1024;

export type BackupFileProblem = "notBackup" | "wrongKey" | "damaged" | "truncated";

/** A backup file that cannot be read: which problem, in words an operator can act on. */
export class BackupFileError extends CryptoError {
  constructor(
    readonly problem: BackupFileProblem,
    message: string,
  ) {
    super(`embargo.backup.${problem}`, message);
    this.name = "BackupFileError";
  }
}

function deriveKeys(masterKey: Buffer, salt: Buffer): { key: Buffer; check: Buffer } {
  const okm = Buffer.from(hkdfSync("sha256", masterKey, salt, "embargo:backup", 32 + CHECK_BYTES));
  return { key: okm.subarray(0, 32), check: okm.subarray(32) };
}

function nonce(index: number, last: boolean): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeBigUInt64BE(BigInt(index), 0);
  bytes[11] = last ? 1 : 0;
  return bytes;
}

/** Encrypts a byte stream into the backup file format (a fresh salt, so a fresh key, per file). */
export function backupEncryptor(masterKey: Buffer, blockBytes = BACKUP_BLOCK_BYTES): Transform {
  const salt = randomBytes(SALT_BYTES);
  const { key, check } = deriveKeys(masterKey, salt);
  const prefix = Buffer.concat([BACKUP_MAGIC, salt, check]);
  let started = false;
  let index = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const seal = (plaintext: Buffer, last: boolean): Buffer => {
    const cipher = createCipheriv("aes-256-gcm", key, nonce(index, last));
    cipher.setAAD(prefix);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const header = Buffer.alloc(BLOCK_HEADER_BYTES);
    header[0] = last ? 1 : 0;
    header.writeUInt32BE(plaintext.length, 1);
    index += 1;
    return Buffer.concat([header, ciphertext, cipher.getAuthTag()]);
  };
  const start = (stream: Transform) => {
    if (started) return;
    started = true;
    stream.push(prefix);
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      start(this);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= blockBytes) {
        let all = Buffer.concat(pending);
        while (all.length >= blockBytes) {
          this.push(seal(all.subarray(0, blockBytes), false));
          all = all.subarray(blockBytes);
        }
        pending = [all];
        pendingBytes = all.length;
      }
      done();
    },
    flush(done: TransformCallback) {
      start(this);
      this.push(seal(Buffer.concat(pending), true));
      done();
    },
  });
}

/**
 * Decrypts a backup file back into the byte stream, failing with a BackupFileError that names the
 * problem: not a backup, another master key, a damaged or altered block, or a file cut short.
 */
export function backupDecryptor(masterKey: Buffer): Transform {
  let buffered: Buffer = Buffer.alloc(0);
  /** Bytes of the file consumed before `buffered`: error messages say where the problem is. */
  let offset = 0;
  let prefix: Buffer | undefined;
  let key: Buffer | undefined;
  let index = 0;
  let finished = false;

  const consume = (bytes: number): Buffer => {
    const taken = buffered.subarray(0, bytes);
    buffered = buffered.subarray(bytes);
    offset += bytes;
    return taken;
  };

  const readPrefix = (): boolean => {
    const seen = buffered.subarray(0, BACKUP_MAGIC.length);
    if (!seen.equals(BACKUP_MAGIC.subarray(0, seen.length))) {
      throw new BackupFileError("notBackup", "this file is not an Embargo backup (made by `embargo backup`)");
    }
    if (buffered.length < PREFIX_BYTES) return false;
    prefix = Buffer.from(consume(PREFIX_BYTES));
    const salt = prefix.subarray(BACKUP_MAGIC.length, BACKUP_MAGIC.length + SALT_BYTES);
    const derived = deriveKeys(masterKey, salt);
    if (!timingSafeEqual(derived.check, prefix.subarray(BACKUP_MAGIC.length + SALT_BYTES))) {
      throw new BackupFileError(
        "wrongKey",
        "this backup was made with another master key: restoring needs the master key of the " +
          "installation that made it (its EMBARGO_SECRET_KEY, or the master.key of its data folder)",
      );
    }
    key = derived.key;
    return true;
  };

  /** Decrypts the next whole block, if it has arrived; undefined when more bytes are needed. */
  const readBlock = (blockKey: Buffer, aad: Buffer): Buffer | undefined => {
    if (buffered.length < BLOCK_HEADER_BYTES) return undefined;
    const flag = buffered[0];
    const length = buffered.readUInt32BE(1);
    if ((flag !== 0 && flag !== 1) || length > MAX_BLOCK_BYTES) throw damaged(index, offset);
    if (buffered.length < BLOCK_HEADER_BYTES + length + TAG_BYTES) return undefined;
    const at = offset;
    consume(BLOCK_HEADER_BYTES);
    const ciphertext = consume(length);
    const tag = consume(TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", blockKey, nonce(index, flag === 1));
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw damaged(index, at);
    }
    index += 1;
    finished = flag === 1;
    return plaintext;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        if (finished) throw trailing(offset);
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        if (prefix === undefined && !readPrefix()) return done();
        for (;;) {
          if (finished) {
            if (buffered.length > 0) throw trailing(offset);
            break;
          }
          const plaintext = readBlock(key!, prefix!);
          if (plaintext === undefined) break;
          if (plaintext.length > 0) this.push(plaintext);
        }
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      if (prefix === undefined && buffered.length < BACKUP_MAGIC.length) {
        return done(
          new BackupFileError("notBackup", "this file is not an Embargo backup (made by `embargo backup`)"),
        );
      }
      if (!finished) {
        return done(
          new BackupFileError(
            "truncated",
            `the backup is truncated: it stops at byte ${offset + buffered.length}, before its last block`,
          ),
        );
      }
      done();
    },
  });
}

function damaged(block: number, at: number): BackupFileError {
  return new BackupFileError(
    "damaged",
    `the backup is damaged or was altered: block ${block + 1} (at byte ${at}) does not authenticate`,
  );
}

function trailing(at: number): BackupFileError {
  return new BackupFileError("damaged", `the backup has data after its last block (at byte ${at})`);
}
