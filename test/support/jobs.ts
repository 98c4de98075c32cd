import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { jobRunnerFromConfig } from "../../src/jobs/from-config.js";
import type { JobRunner } from "../../src/jobs/runner.js";
import type { Store } from "../../src/store/database.js";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.js";
import { startTestApp, type TestApp } from "./web.js";

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
    {
      config: { ...t.config, ...(smtpUrl === undefined ? {} : { smtpUrl }) },
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

/**
 * The set-up of a job test: one SMTP sink for the file (emptied before each test), and before
 * each test a fresh app and job runner, handed to `use`; both stopped after it.
 */
export function useJobsHarness(
  openStore: () => Promise<Store>,
  use: (parts: { t: TestApp; sink: SmtpSink; jobs: JobRunner }) => void,
  options: { policies?: string } = {},
): void {
  let sink: SmtpSink | undefined;
  let current: { t: TestApp; jobs: JobRunner } | undefined;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
  });
  beforeEach(async () => {
    if (sink === undefined) throw new Error("the SMTP sink did not start");
    sink.mails.length = 0;
    const t = await startTestApp(openStore, {}, options);
    current = { t, jobs: jobsFor(t, sink.url) };
    use({ ...current, sink });
  });
  afterEach(async () => {
    await current?.jobs.stop();
    await current?.t.close();
    current = undefined;
  });
}
