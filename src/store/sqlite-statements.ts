import type Database from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

const MAX_STATEMENTS = 500;

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares each query anew. Queries
 * repeat (the same insert for every report), so compiled statements are kept, the least recently
 * used dropped past a bound (multi-row inserts make a new SQL text per row count).
 */
export function withStatementCache(database: Database.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare: (text: string) => {
      const cached = cache.get(text);
      if (cached !== undefined) {
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const statement = database.prepare(text) as unknown as SqliteStatement;
      cache.set(text, statement);
      if (cache.size > MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}
