import { openDatabase, type Store } from "../../store/database.js";
import { type StoreOptions, storeOptionsFromEnv } from "../../store/env.js";

/** Output streams and settings of the store commands; defaults are the process's own. Injected by tests. */
export interface StoreCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  options?: () => StoreOptions;
}

export function resolveIo(io: StoreCommandIo): Required<StoreCommandIo> {
  return {
    stdout: io.stdout ?? ((text: string) => void process.stdout.write(text)),
    stderr: io.stderr ?? ((text: string) => void process.stderr.write(text)),
    options: io.options ?? (() => storeOptionsFromEnv()),
  };
}

/** Opens the configured database, runs `fn`, and always closes it (the pool would keep the process alive). */
export async function withStore<T>(options: StoreOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openDatabase(options.databaseUrl);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
