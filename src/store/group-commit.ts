import { sql, type Transaction } from "kysely";
import type { DatabaseSchema } from "./schema.js";

type Work = (trx: Transaction<DatabaseSchema>) => Promise<unknown>;
type Commit = <T>(fn: (trx: Transaction<DatabaseSchema>) => Promise<T>) => Promise<T>;
interface Queued {
  work: Work;
  durable: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** How a batch commits. */
export interface CommitWays {
  /** A batch holding a durable write. */
  durable: Commit;
  /** A batch of only relaxed writes (no wait for the disk). */
  relaxed: Commit;
  /**
   * When given, a durable batch commits through `relaxed` and is durable once this resolves (the
   * WAL's fdatasync off the event loop: src/store/wal-sync.ts); `durable` is then unused.
   */
  sync?: () => Promise<void>;
}

const MAX_BATCH = 64;

/**
 * Group commit for SQLite. A durable commit waits for an fsync of the WAL, and that wait is most
 * of the cost of taking a report. Writes that arrive while one is being prepared are queued and
 * committed together in one transaction: one fsync for the batch. Each write runs inside its own
 * savepoint, so one that fails is rolled back alone and only its caller sees the error; a
 * caller's promise resolves only once the commit that holds its write is durable.
 *
 * With `sync`, the next batch is prepared and committed while the previous one's fsync runs in
 * the thread pool; its callers are answered after their own sync, which also covers the earlier
 * commit (the log is appended in order).
 *
 * A write queued with `durable: false` (`Store.relaxedWrite`) may share any commit; a batch of
 * only such writes commits through `relaxed`, without the fsync.
 *
 * PostgreSQL needs none of this (its connections commit concurrently), so callers go through
 * `Store.durableWrite`, which batches only on SQLite.
 */
export class GroupCommit {
  #queue: Queued[] = [];
  #scheduled = false;

  constructor(private readonly ways: CommitWays) {}

  run<T>(
    work: (trx: Transaction<DatabaseSchema>) => Promise<T>,
    options: { durable: boolean } = { durable: true },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, durable: options.durable, resolve: (value) => resolve(value as T), reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate lets the requests already read from the sockets reach the queue first.
    setImmediate(() => {
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, MAX_BATCH);
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const durable = batch.some((item) => item.durable);
    const { sync } = this.ways;
    const commit = durable && sync === undefined ? this.ways.durable : this.ways.relaxed;
    let synced: Promise<void> | undefined;
    try {
      await commit(async (trx) => {
        for (const item of batch) {
          await sql`savepoint group_write`.execute(trx);
          try {
            const value = await item.work(trx);
            await sql`release group_write`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sql`rollback to group_write`.execute(trx);
            await sql`release group_write`.execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
      if (durable && sync !== undefined) synced = sync();
    } catch (error) {
      // The commit itself failed: nothing in the batch is durable.
      for (const item of batch) item.reject(error);
      return;
    } finally {
      // The next batch may commit now; this one's callers wait for its sync below.
      this.#scheduled = false;
      if (this.#queue.length > 0) this.#schedule();
    }
    try {
      await synced;
    } catch (error) {
      // Committed, but whether it reached the disk is unknown: no caller may be told "done".
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
