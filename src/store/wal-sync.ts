import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import path from "node:path";

/**
 * Makes what SQLite has written to its write-ahead log durable, from libuv's thread pool instead
 * of the event loop. better-sqlite3 runs a commit's fsync (synchronous = FULL) on the thread that
 * commits, and a group commit's fsync stopped every request for milliseconds. Group commits
 * (src/store/group-commit.ts) commit with `synchronous = NORMAL` (the frames reach the operating
 * system, unsynced) and then await this, which `fdatasync`s the WAL: what FULL does at the
 * commit, done a moment later and off the event loop. Only then are their callers answered.
 *
 * Why that is as durable: in WAL mode a commit only appends frames to the -wal file, and the
 * checkpoints and WAL resets that NORMAL runs sync themselves (SQLite's documentation of
 * `synchronous`). The file is the same inode for as long as a connection has the database open
 * (SQLite deletes it only when the last connection closes), and `fdatasync` on any descriptor of
 * a file flushes the file. Its directory is synced once, for a log that was just created.
 *
 * Calls that arrive while a sync runs share the next one (it starts after the running one ends,
 * so it covers every commit made before it started).
 */
export interface WalSync {
  (): Promise<void>;
  close(): Promise<void>;
}

export function walSyncer(databaseFile: string): WalSync {
  const walFile = `${databaseFile}-wal`;
  let handle: Promise<FileHandle> | undefined;
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  const syncOnce = async (): Promise<void> => {
    // A failed open is not kept: the next sync tries again.
    handle ??= openLog(walFile).catch((error: unknown) => {
      handle = undefined;
      throw error;
    });
    await (await handle).datasync();
  };
  const start = (): Promise<void> => {
    const sync = syncOnce().finally(() => {
      if (running === sync) running = undefined;
    });
    running = sync;
    return sync;
  };
  const sync = (): Promise<void> => {
    if (running === undefined) return start();
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
  return Object.assign(sync, {
    close: async () => {
      await Promise.allSettled([running, next]);
      const opened = handle;
      handle = undefined;
      if (opened !== undefined) await (await opened.catch(() => undefined))?.close();
    },
  });
}

async function openLog(walFile: string): Promise<FileHandle> {
  // Read-only is enough for fdatasync on Linux and macOS, and cannot change the log.
  const log = await open(walFile, constants.O_RDONLY);
  const directory = await open(path.dirname(walFile), constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return log;
}
