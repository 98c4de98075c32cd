import { fileURLToPath } from "node:url";
import { type Config, loadConfig } from "../src/config.js";
import { startServer } from "../src/server.js";
import type { Hosted } from "./support.js";

const POLICIES = fileURLToPath(new URL("../examples/policies/", import.meta.url));
/** A limit no benchmark reaches. */
export const UNLIMITED = String(1_000_000_000);

/** Where a benchmark's Embargo keeps its data. */
export interface EmbargoSpec {
  databaseUrl: string;
  dataDir: string;
}

/**
 * Embargo's environment for a benchmark, as `embargo serve` reads its own: the example programs, a
 * free port on 127.0.0.1, warnings only in the log and, since a benchmark's connections all come
 * from one address, no per-address request limit. `settings` adds (or overrides) the benchmark's
 * own (the job runner, the intake limits, the SMTP listener).
 */
export function benchEmbargoEnvironment(
  spec: EmbargoSpec,
  settings: Record<string, string>,
): Record<string, string> {
  return {
    EMBARGO_DATABASE_URL: spec.databaseUrl,
    EMBARGO_DATA_DIR: spec.dataDir,
    EMBARGO_POLICIES: POLICIES,
    EMBARGO_HOST: "127.0.0.1",
    EMBARGO_PORT: "0",
    EMBARGO_PUBLIC_URL: "http://127.0.0.1",
    EMBARGO_LOG_LEVEL: "warn",
    EMBARGO_REQUESTS_PER_MINUTE_PER_ADDRESS: UNLIMITED,
    ...settings,
  };
}

/** benchEmbargoEnvironment read as `embargo serve` reads its environment. */
export function benchEmbargoConfig(spec: EmbargoSpec, settings: Record<string, string>): Config {
  return loadConfig(benchEmbargoEnvironment(spec, settings), "/nonexistent");
}

/** The mail parse pool's settings as this process's environment gives them, to compare (EMBARGO_MAIL_PARSE_QUEUE=100, say). */
export function parsePoolSettings(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[0].startsWith("EMBARGO_MAIL_PARSE_") && entry[1] !== undefined,
    ),
  );
}

/** Starts Embargo with benchEmbargoConfig's settings. */
export async function serveBenchEmbargo(
  spec: EmbargoSpec,
  settings: Record<string, string>,
): Promise<Hosted> {
  const running = await startServer(benchEmbargoConfig(spec, settings));
  return { url: running.url, close: () => running.close() };
}
