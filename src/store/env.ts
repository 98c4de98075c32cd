/**
 * Where the store and its keys come from. Read straight from the environment for now; the
 * shared configuration (src/config.ts) will provide these values later, in this one place.
 */
export interface StoreOptions {
  /** EMBARGO_DATABASE_URL: `sqlite:<path>` or `postgres://…`. */
  databaseUrl: string;
  /** EMBARGO_DATA_DIR: holds master.key when EMBARGO_SECRET_KEY is not set. */
  dataDir: string;
  /** EMBARGO_SECRET_KEY: the master key (base64 or hex), if given. */
  secretKey: string | undefined;
}

export function storeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StoreOptions {
  const nonEmpty = (value: string | undefined): string | undefined =>
    value === undefined || value.trim() === "" ? undefined : value;
  return {
    databaseUrl: nonEmpty(env.EMBARGO_DATABASE_URL) ?? "sqlite:./data/embargo.db",
    dataDir: nonEmpty(env.EMBARGO_DATA_DIR) ?? "./data",
    secretKey: nonEmpty(env.EMBARGO_SECRET_KEY),
  };
}
