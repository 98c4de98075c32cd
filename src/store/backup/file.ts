import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { BackupFileError, backupDecryptor, backupEncryptor } from "../../crypto/backup-stream.js";

const PIECE_CHARACTERS = 64 * 1024;

/**
 * A backup file on disk: lines → gzip → encryption (src/crypto/backup-stream.ts) → a private
 * temporary file, renamed into place once complete and on disk. A backup that fails half-way
 * leaves nothing behind, and an earlier backup of the same name stays until the new one is whole.
 */
export async function writeBackupFile<T>(
  file: string,
  masterKey: Buffer,
  produce: (write: (line: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const target = path.resolve(file);
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  // 0600 from the start: the file is encrypted, but still no one else's to read.
  const handle = await open(temporary, "wx", 0o600);
  const gzip = createGzip();
  const written = pipeline(gzip, backupEncryptor(masterKey), handle.createWriteStream({ flush: true }));
  // Rejections are awaited below; until then they must not count as unhandled.
  written.catch(() => undefined);
  // Lines are many and small: they go to gzip in pieces of about 64 KiB, waiting when it is full.
  let lines: string[] = [];
  let length = 0;
  const send = async (): Promise<void> => {
    if (gzip.destroyed) await written; // the file side failed (disk full): throws its error
    const piece = lines.join("");
    lines = [];
    length = 0;
    if (gzip.write(piece)) return;
    await new Promise<void>((resolve, reject) => {
      const drained = () => {
        gzip.off("close", closed);
        resolve();
      };
      const closed = () => {
        gzip.off("drain", drained);
        written.then(() => reject(new Error("the backup stream closed")), reject);
      };
      gzip.once("drain", drained);
      gzip.once("close", closed);
    });
  };
  const write = async (line: string): Promise<void> => {
    lines.push(line);
    length += line.length;
    if (length >= PIECE_CHARACTERS) await send();
  };
  try {
    const result = await produce(write);
    await send();
    gzip.end();
    // flush: the stream syncs the file to disk before it closes it (and the handle with it).
    await written;
    await rename(temporary, target);
    await syncFolder(path.dirname(target));
    return result;
  } catch (error) {
    gzip.destroy();
    await written.catch(() => undefined);
    await handle.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** So the rename itself survives a power cut. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Decrypts and unpacks a backup file, handing over its lines one by one (awaiting each, so a slow
 * consumer holds the file back instead of filling memory). Throws a BackupFileError naming the
 * problem (not a backup, another master key, damage, a file cut short).
 */
export async function readBackupFile(
  file: string,
  masterKey: Buffer,
  onLine: (line: string) => Promise<void>,
): Promise<void> {
  // The consumer's own error: pipeline would report the AbortError of leaving the stream instead.
  let failed: { error: unknown } | undefined;
  const lines = async (source: AsyncIterable<Buffer>): Promise<void> => {
    // A line can be long (a row holding a file): its pieces are joined once, when it ends.
    let pending: Buffer[] = [];
    try {
      for await (const chunk of source) {
        let start = 0;
        let newline = chunk.indexOf(0x0a);
        while (newline !== -1) {
          pending.push(chunk.subarray(start, newline));
          await onLine(Buffer.concat(pending).toString("utf8"));
          pending = [];
          start = newline + 1;
          newline = chunk.indexOf(0x0a, start);
        }
        if (start < chunk.length) pending.push(chunk.subarray(start));
      }
    } catch (error) {
      failed = { error };
      throw error;
    }
    if (pending.length > 0)
      throw new BackupFileError("damaged", "the backup's contents end in the middle of a line");
  };
  try {
    await pipeline(createReadStream(file), backupDecryptor(masterKey), createGunzip(), lines);
  } catch (error) {
    if (failed !== undefined) throw failed.error;
    // Authenticated bytes that do not gunzip: written wrongly, not altered since (that fails above).
    if (error instanceof Error && "code" in error && /^Z_/.test(String(error.code)))
      throw new BackupFileError("damaged", `the backup's contents are not valid: ${error.message}`);
    throw error;
  }
}
