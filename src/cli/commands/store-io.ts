import type { Store } from "../../store/database.js";
import type { StoreOptions } from "../../store/env.js";

/** Output streams and settings of the store commands; defaults are the process's own. Injected by tests. */
export interface StoreCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Read by the action only (see settings.ts): loading the settings module costs start-up time. */
  options?: () => StoreOptions | Promise<StoreOptions>;
  /** CliIo's: whether stderr is a terminal (left out: no progress) and the progress reports' clock. */
  stderrIsTTY?: boolean;
  clock?: () => number;
}

type ResolvedIo = Required<Omit<StoreCommandIo, "stderrIsTTY" | "clock">> &
  Pick<StoreCommandIo, "stderrIsTTY" | "clock">;

export function resolveIo(io: StoreCommandIo): ResolvedIo {
  return {
    stdout: io.stdout ?? ((text: string) => void process.stdout.write(text)),
    stderr: io.stderr ?? ((text: string) => void process.stderr.write(text)),
    options: io.options ?? (async () => (await import("../../store/env.js")).storeOptionsFromEnv()),
    stderrIsTTY: io.stderrIsTTY,
    clock: io.clock,
  };
}

/** Opens the configured database, runs `fn`, and always closes it (the pool would keep the process alive). */
export async function withStore<T>(options: StoreOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  // Loaded here: Kysely and the database drivers are the bulk of a store command's start-up.
  const { openDatabase } = await import("../../store/database.js");
  const store = await openDatabase(options.databaseUrl);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
