import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { savePendingLogin } from "../../src/auth/oidc-logins.js";
import { saveChallenge } from "../../src/auth/passkey-challenges.js";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { startTestApp, type TestApp } from "../support/web.js";

/**
 * The job runner deletes passkey challenges and identity-provider sign-ins whose time is up,
 * even when no one begins a new one (which would delete them too); live ones stay.
 */
describe.each(databases)("expired sign-in ceremonies on $name", (database) => {
  let t: TestApp;
  let jobs: JobRunner;
  beforeEach(async () => {
    t = await startTestApp(() => database.open());
    jobs = jobsFor(t, undefined);
  });
  afterEach(async () => {
    await jobs.stop();
    await t.close();
  });

  const count = async (table: "webauthn_challenges" | "oidc_logins") =>
    Number(
      (
        await t.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  const begin = async (n: number, at: Date) => {
    await saveChallenge(t.store, {
      challenge: `challenge-${n}`,
      purpose: "sign-in",
      bindingHash: `binding-${n}`,
      userId: null,
      now: at,
    });
    await savePendingLogin(
      t.store,
      {
        provider: "corp",
        state: `state-${n}`,
        nonce: `nonce-${n}`,
        codeVerifier: `verifier-${n}`,
        bindingHash: `binding-${n}`,
        next: null,
      },
      at,
    );
  };

  it("deletes expired passkey challenges and provider sign-ins at the runner's next pass, keeping live ones", async () => {
    const start = t.clock.now();
    await begin(1, start);
    await begin(2, start);
    // Eleven minutes later (a challenge lives 5, a provider sign-in 10), and no one begins another.
    const later = new Date(start.getTime() + 11 * 60_000);
    t.clock.set(later);
    expect(await count("webauthn_challenges")).toBe(2);
    expect(await count("oidc_logins")).toBe(2);

    await jobs.drain();
    expect(await count("webauthn_challenges")).toBe(0);
    expect(await count("oidc_logins")).toBe(0);

    // A ceremony still running is left alone.
    await begin(3, later);
    t.clock.set(new Date(later.getTime() + 60_000));
    await jobs.drain();
    expect(await count("webauthn_challenges")).toBe(1);
    expect(await count("oidc_logins")).toBe(1);
  });
});
