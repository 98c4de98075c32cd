import type { Logger } from "pino";
import type { Config } from "./config.js";
import type { Keyring } from "./crypto/keyring.js";
import type { ProgramRegistry } from "./programs/registry.js";
import type { Store } from "./store/database.js";

/**
 * What Embargo runs on, built once at start (src/server.ts) and handed whole to each front door
 * and worker (the web app, the job runner, mail intake), which take from it what they use. One
 * object instead of positional `(store, keyring, …)` arguments threaded through every call.
 */
export interface Services {
  config: Config;
  programs: ProgramRegistry;
  store: Store;
  keyring: Keyring;
  logger: Logger;
  /** The clock for every rule (deadlines, expiry); tests move it. */
  clock: () => Date;
  /** HMAC key for proof-of-work challenges, shared by all instances (derived from the master key). */
  powKey: Buffer;
  /** Derives cases' reply addresses and Message-IDs (src/mail/reply-token.ts). */
  mailKey: Buffer;
}
