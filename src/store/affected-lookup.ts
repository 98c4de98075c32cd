import type { Kysely } from "kysely";
import {
  type PublishedRange,
  type PublishedRow,
  readPublishedRow,
} from "../domain/disclosure/affected-answer.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * The published affected-release rows of one product (`published_affected`, written when a case is
 * disclosed: src/store/published-affected.ts), for `GET /api/v1/programs/{program}/affected`.
 * Never selects `case_id`: nothing public may lead back to a case.
 *
 * The endpoint is public and polled by product instances, so each process keeps the rows of a
 * (program, product), already parsed, for `ttlMs` (30 s): a poll is answered from memory, and the
 * database sees at most one query per product per TTL per process (concurrent misses share one).
 * Products with nothing published are kept too (as "none"), so a stranger asking for made-up
 * products costs one query per name and TTL; the cache holds at most `maxEntries` products, and
 * drops the oldest when full.
 *
 * Several instances keep their own caches: after a case is disclosed (or its matrix changes),
 * instances may answer differently from each other, and from the database, for up to the TTL.
 * HTTP caches add their own max-age on top (the route's Cache-Control).
 */
export interface PublishedProduct {
  /** The product's name as last published. */
  productName: string;
  /** Its rows, oldest publication first (then by id): a stable order, the same on every instance. */
  ranges: PublishedRange[];
}

interface Entry {
  expiresAt: number;
  value: Promise<PublishedProduct | undefined>;
}

export interface AffectedLookupOptions {
  /** The clock the TTL is measured on (the app's clock; tests move it). */
  now: () => Date;
  ttlMs?: number;
  maxEntries?: number;
}

export const AFFECTED_CACHE_TTL_MS = 30_000;

export class AffectedLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => Date;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    options: AffectedLookupOptions,
  ) {
    this.now = options.now;
    this.ttlMs = options.ttlMs ?? AFFECTED_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  /** The product's published rows; undefined when nothing about it has been published. */
  product(program: string, product: string): Promise<PublishedProduct | undefined> {
    const key = `${program}\u0000${product}`;
    const at = this.now().getTime();
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.expiresAt > at) return cached.value;
    if (cached !== undefined) this.entries.delete(key);
    const value = loadProduct(this.db, program, product);
    // A failed read is not kept: the next request tries again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    this.makeRoom(at);
    this.entries.set(key, { expiresAt: at + this.ttlMs, value });
    return value;
  }

  private makeRoom(at: number): void {
    if (this.entries.size < this.maxEntries) return;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= at) this.entries.delete(key);
    // Insertion order is age: drop the oldest until one fits.
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}

async function loadProduct(
  db: Kysely<DatabaseSchema>,
  program: string,
  product: string,
): Promise<PublishedProduct | undefined> {
  const rows = await db
    .selectFrom("published_affected")
    .select(["product_name", "versions", "status", "fixed_in", "cve_id", "published_at"])
    .where("program", "=", program)
    .where("product", "=", product)
    .orderBy("published_at")
    .orderBy("id")
    .execute();
  const last = rows.at(-1);
  if (last === undefined) return undefined;
  const ranges: PublishedRange[] = [];
  for (const row of rows) {
    const range = readRow(row);
    if (range !== undefined) ranges.push(range);
  }
  return { productName: last.product_name, ranges };
}

/**
 * Rows already read, by their whole content: a refill every TTL reads the same rows again, and
 * parsing 10,000 ranges each time would hold the event loop for tens of milliseconds. Forgotten
 * all at once when it grows past READ_ROWS_MAX (rows replaced on republication stay until then).
 */
const readRows = new Map<string, PublishedRange | undefined>();
const READ_ROWS_MAX = 50_000;

function readRow(row: PublishedRow): PublishedRange | undefined {
  const key = [row.versions, row.status, row.fixed_in ?? "", row.cve_id ?? "", row.published_at].join(
    "\u0000",
  );
  if (readRows.has(key)) return readRows.get(key);
  const range = readPublishedRow(row);
  if (readRows.size >= READ_ROWS_MAX) readRows.clear();
  readRows.set(key, range);
  return range;
}
