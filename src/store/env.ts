import { loadConfig } from "../config.js";

/** Where the store and its keys come from: the three settings the store commands need. */
export interface StoreOptions {
  /** EMBARGO_DATABASE_URL: `sqlite:<path>` or `postgres://…`. */
  databaseUrl: string;
  /** EMBARGO_DATA_DIR: holds master.key when EMBARGO_SECRET_KEY is not set. */
  dataDir: string;
  /** EMBARGO_SECRET_KEY: the master key (base64 or hex), if given. */
  secretKey: string | undefined;
}

/** Reads them through the shared configuration (environment, then embargo.yaml). */
export function storeOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  file = "embargo.yaml",
): StoreOptions {
  const config = loadConfig(env, file);
  return { databaseUrl: config.databaseUrl, dataDir: config.dataDir, secretKey: config.secretKey };
}
