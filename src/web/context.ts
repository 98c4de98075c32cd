import type { Services } from "../services.js";
import type { IntakeLimiter } from "./abuse/intake-limiter.js";
import type { PowReplayGuard } from "./pow/challenge.js";

/**
 * What the web layer is given (the services, as every front door gets them) and what every route
 * module receives. In its own module so that routes need not import the app that registers them
 * (which would make every route a cycle).
 */
export type AppDeps = Services;

/** What every route module receives. */
export interface WebContext extends AppDeps {
  limiter: IntakeLimiter;
  pow: { hmacKey: Buffer; maxNumber: number; expiresInSeconds: number; now: () => Date };
  replay: PowReplayGuard;
}
