import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Keyring } from "../crypto/keyring.js";
import type { ProgramRegistry } from "../intake/programs.js";
import type { Store } from "../store/database.js";
import type { IntakeLimiter } from "./abuse/intake-limiter.js";
import type { ReplayGuard } from "./pow/challenge.js";

/**
 * What the web layer is given and what every route module receives. In its own module so that
 * routes need not import the app that registers them (which would make every route a cycle).
 */
export interface AppDeps {
  config: Config;
  programs: ProgramRegistry;
  store: Store;
  keyring: Keyring;
  logger: Logger;
  /** The clock for every rule (deadlines, expiry); tests move it. */
  clock: () => Date;
  /** HMAC key for proof-of-work challenges, shared by all instances (derived from the master key). */
  powKey: Buffer;
  /** Derives cases' reply addresses (src/mail/reply-token.ts), for mail handled from the queue page. */
  mailKey: Buffer;
}

/** What every route module receives. */
export interface WebContext extends AppDeps {
  limiter: IntakeLimiter;
  pow: { hmacKey: Buffer; maxNumber: number; expiresInSeconds: number; now: () => Date };
  replay: ReplayGuard;
}
