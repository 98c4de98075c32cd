import { jobRunnerFromConfig } from "../../src/jobs/from-config.js";
import type { JobRunner } from "../../src/jobs/runner.js";
import type { TestApp } from "./web.js";

/**
 * The app's job runner on the test's clock, not ticking by itself: a test moves the clock and
 * calls `drain()`, and sees exactly what a running server would have done by then.
 */
export function jobsFor(
  t: TestApp,
  smtpUrl: string | undefined,
  env: Record<string, string | undefined> = {},
): JobRunner {
  return jobRunnerFromConfig(
    { ...t.config, ...(smtpUrl === undefined ? {} : { smtpUrl }) },
    {
      store: t.store,
      keyring: t.keyring,
      programs: t.programs,
      logger: t.logger,
      clock: t.clock.now,
      mailKey: t.mailKey,
    },
    { autoStart: false, env },
  );
}
