import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../test/support/acme-policy.js";
import { expectWithinBudget } from "../../test/support/time-budget.js";
import { ReportCore } from "./report-schema.js";
import { policyFieldErrors } from "./validate.js";

/**
 * A report's "email" answers come from strangers and may be 100,000 characters long. The check
 * once used /^[^\s@]+@[^\s@]+\.[^\s@]+$/, which backtracks quadratically on a long domain with
 * many dots: "a@a.a.a…a@", 100,000 characters, took 26 s on a busy two-core machine. Issue 14 asks
 * for a time bound per kilobyte (test/support/time-budget.ts) on every regex that sees untrusted
 * input.
 */
const policy = acmePolicy({
  reportTemplate: {
    fields: [{ id: "reply-to", label: "Reply to", kind: "email", required: true }],
  },
});

const errorsFor = (answer: string) =>
  policyFieldErrors(ReportCore.parse({ title: "t", fields: { "reply-to": answer } }), policy);

describe("an email answer", () => {
  it("is checked in time proportional to its length, even a 100,000-character attack", async () => {
    const attack = `a@a${".a".repeat(49_990)}@`;
    await expectWithinBudget("email answer", attack.length, () => errorsFor(attack));
  });

  it("of generated dot, at-sign and space runs stays within its budget", async () => {
    const answer = fc
      .record({
        local: fc.constantFrom("a", ".", ""),
        piece: fc.constantFrom(".a", "..", "a.", ".", "@."),
        times: fc.integer({ min: 1, max: 49_000 }),
        end: fc.constantFrom("", " ", "@", "\u0000", "."),
      })
      .map(({ local, piece, times, end }) => `${local}@a${piece.repeat(times)}${end}`);
    await fc.assert(
      fc.asyncProperty(answer, (text) =>
        expectWithinBudget("email answer", text.length, () => errorsFor(text)),
      ),
      { numRuns: 15, endOnFailure: true },
    );
  });

  it("is accepted or refused exactly as the old pattern did", async () => {
    const old = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
    const text = fc.array(fc.constantFrom("a", ".", "@", " ", "-"), { maxLength: 12 }).map((t) => t.join(""));
    await fc.assert(
      fc.asyncProperty(text, async (answer) => {
        const trimmed = answer.trim();
        const refused = (await errorsFor(answer)).some((error) => error.message === "an email address");
        expect(refused).toBe(trimmed !== "" && !old.test(trimmed));
      }),
      { numRuns: 2_000 },
    );
  });
});
