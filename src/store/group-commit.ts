import { sql, type Transaction } from "kysely";
import type { DatabaseSchema } from "./schema.js";

type Work = (trx: Transaction<DatabaseSchema>) => Promise<unknown>;
interface Queued {
  work: Work;
  durable: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 64;

/**
 * Group commit for SQLite. Every commit fsyncs the WAL (synchronous = FULL), and that fsync is
 * most of the cost of taking a report. Writes that arrive while one is being prepared are queued
 * and committed together in one transaction: one fsync for the batch. Each write runs inside its
 * own savepoint, so one that fails is rolled back alone and only its caller sees the error; a
 * caller's promise resolves only after the commit that made its write durable.
 *
 * A write queued with `durable: false` (`Store.relaxedWrite`) may share any commit; a batch of
 * only such writes commits through `relaxedTransaction`, without the fsync.
 *
 * PostgreSQL needs none of this (its connections commit concurrently), so callers go through
 * `Store.durableWrite`, which batches only on SQLite.
 */
export class GroupCommit {
  #queue: Queued[] = [];
  #scheduled = false;

  constructor(
    private readonly transaction: <T>(fn: (trx: Transaction<DatabaseSchema>) => Promise<T>) => Promise<T>,
    private readonly relaxedTransaction: <T>(
      fn: (trx: Transaction<DatabaseSchema>) => Promise<T>,
    ) => Promise<T> = transaction,
  ) {}

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
    const commit = batch.some((item) => item.durable) ? this.transaction : this.relaxedTransaction;
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
      batch.forEach((item, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    } catch (error) {
      // The commit itself failed: nothing in the batch is durable.
      for (const item of batch) item.reject(error);
    } finally {
      this.#scheduled = false;
      if (this.#queue.length > 0) this.#schedule();
    }
  }
}
