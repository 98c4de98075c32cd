import { describe, expect, it } from "vitest";
import {
  allowedTransitions,
  CASE_STATES,
  type CaseState,
  CLOSING_OUTCOMES,
  type ClosingOutcome,
  DEFAULT_THIRD_PARTY_MESSAGE,
  decideTransition,
  isCaseState,
  isClosingOutcome,
  type TransitionDecision,
  type TransitionInput,
} from "./index.js";

const NOW = new Date("2026-03-02T10:00:00Z");
const DAY_MS = 86_400_000;

function input(overrides: Partial<TransitionInput> & Pick<TransitionInput, "from" | "to">): TransitionInput {
  return { caseId: "case-1", now: NOW, noIncidentAllowed: false, ...overrides };
}

function accepted(decision: TransitionDecision): Extract<TransitionDecision, { ok: true }> {
  if (!decision.ok) throw new Error(`expected acceptance, got ${decision.code}: ${decision.message}`);
  return decision;
}

function refused(decision: TransitionDecision): Extract<TransitionDecision, { ok: false }> {
  if (decision.ok) throw new Error(`expected a refusal, got a move to ${decision.to}`);
  return decision;
}

/** The table as the brief states it, written out independently of the implementation. */
const SPEC: Record<CaseState, CaseState[]> = {
  new: ["triaged", "needs-info", "closed"],
  triaged: ["in-progress", "needs-info", "closed"],
  "needs-info": ["triaged", "closed"],
  "in-progress": ["fixed", "needs-info", "closed"],
  fixed: ["disclosed", "in-progress", "closed"],
  disclosed: ["closed"],
  closed: ["triaged"],
};

const ALL_PAIRS = CASE_STATES.flatMap((from) =>
  CASE_STATES.map((to) => ({ from, to, allowed: SPEC[from].includes(to) })),
);

describe("the transition table", () => {
  it("lists the states and outcomes", () => {
    expect(CASE_STATES).toEqual([
      "new",
      "triaged",
      "in-progress",
      "needs-info",
      "fixed",
      "disclosed",
      "closed",
    ]);
    expect(CLOSING_OUTCOMES).toEqual([
      "resolved",
      "duplicate",
      "informative",
      "not-applicable",
      "out-of-scope",
      "third-party",
      "spam",
      "no-incident",
    ]);
    expect(ALL_PAIRS).toHaveLength(49);
  });

  it.each(CASE_STATES.map((from) => [from, SPEC[from]] as const))(
    "allowedTransitions(%s) is %j",
    (from, to) => {
      expect(allowedTransitions(from)).toEqual(to);
    },
  );

  it("returns a fresh array each time", () => {
    const first = allowedTransitions("new");
    first.push("disclosed");
    expect(allowedTransitions("new")).toEqual(SPEC.new);
  });

  it.each(ALL_PAIRS)("$from → $to (allowed: $allowed)", ({ from, to, allowed }) => {
    // "informative" may close a case from any state; other outcomes have rules of their own below.
    const outcome: ClosingOutcome | undefined = to === "closed" ? "informative" : undefined;
    const decision = decideTransition(input({ from, to, outcome }));
    if (allowed) {
      const ok = accepted(decision);
      expect(ok.to).toBe(to);
      expect(ok.outcome).toBe(outcome ?? null);
      expect(ok.reporterMessage).toEqual(expect.any(String));
      expect(ok.events[0]).toEqual({
        type: "case.state-changed",
        payload: { from, to, outcome: outcome ?? null },
      });
    } else {
      const no = refused(decision);
      expect(no.code).toBe("not-allowed");
      expect(no.allowed).toEqual(SPEC[from]);
      expect(no.message).toBe(
        `cannot move a case from "${from}" to "${to}"; allowed: ${SPEC[from].join(", ")}`,
      );
    }
  });

  it("names the allowed targets in the refusal", () => {
    expect(refused(decideTransition(input({ from: "new", to: "fixed" }))).message).toBe(
      'cannot move a case from "new" to "fixed"; allowed: triaged, needs-info, closed',
    );
  });

  it("refuses staying in the same state", () => {
    for (const state of CASE_STATES) {
      expect(refused(decideTransition(input({ from: state, to: state }))).code).toBe("not-allowed");
    }
  });

  it("checks the table before the outcome", () => {
    const no = refused(decideTransition(input({ from: "closed", to: "closed" })));
    expect(no.code).toBe("not-allowed");
  });
});

describe("closing outcomes", () => {
  it("requires an outcome to close", () => {
    for (const from of CASE_STATES.filter((state) => SPEC[state].includes("closed"))) {
      const no = refused(decideTransition(input({ from, to: "closed" })));
      expect(no.code).toBe("outcome-required");
      expect(no.message).toContain("closing a case requires an outcome");
      expect(no.allowed).toEqual(SPEC[from]);
    }
  });

  it("refuses an outcome on a move that does not close", () => {
    const no = refused(decideTransition(input({ from: "new", to: "triaged", outcome: "informative" })));
    expect(no.code).toBe("outcome-not-allowed");
    expect(no.message).toContain('applies only when closing a case, not when moving it to "triaged"');
  });

  it("refuses an outcome that is not in the list (untyped callers)", () => {
    const outcome = "wontfix" as ClosingOutcome;
    const no = refused(decideTransition(input({ from: "new", to: "closed", outcome })));
    expect(no.code).toBe("outcome-not-allowed");
    expect(no.message).toContain('unknown outcome "wontfix"');
  });

  const closable = CASE_STATES.filter((state) => SPEC[state].includes("closed"));
  it.each(closable.map((from) => ({ from, ok: from === "fixed" || from === "disclosed" })))(
    '"resolved" from $from: allowed $ok',
    ({ from, ok }) => {
      const decision = decideTransition(input({ from, to: "closed", outcome: "resolved" }));
      if (ok) {
        expect(accepted(decision).outcome).toBe("resolved");
      } else {
        const no = refused(decision);
        expect(no.code).toBe("outcome-not-allowed");
        expect(no.message).toBe(
          `a case can be closed as "resolved" only once it is fixed or disclosed, not from "${from}"`,
        );
      }
    },
  );

  it.each(
    closable.flatMap((from) =>
      CLOSING_OUTCOMES.filter((o) => o !== "resolved" && o !== "duplicate" && o !== "no-incident").map(
        (outcome) => ({ from, outcome }),
      ),
    ),
  )("$outcome closes from $from", ({ from, outcome }) => {
    const ok = accepted(decideTransition(input({ from, to: "closed", outcome })));
    expect(ok.outcome).toBe(outcome);
    expect(ok.agreementDueAt).toBeNull();
    expect(ok.events).toEqual([{ type: "case.state-changed", payload: { from, to: "closed", outcome } }]);
  });

  describe("duplicate", () => {
    it("requires the original case", () => {
      for (const duplicateOf of [undefined, "", "   "]) {
        const no = refused(
          decideTransition(input({ from: "new", to: "closed", outcome: "duplicate", duplicateOf })),
        );
        expect(no.code).toBe("duplicate-of-required");
        expect(no.message).toBe("closing a case as a duplicate requires the id of the original case");
      }
    });

    it("refuses a case as a duplicate of itself", () => {
      const no = refused(
        decideTransition(
          input({ from: "triaged", to: "closed", outcome: "duplicate", duplicateOf: "case-1" }),
        ),
      );
      expect(no.code).toBe("duplicate-of-required");
      expect(no.message).toBe("a case cannot be a duplicate of itself");
    });

    it("records the original internally and tells the reporter without naming it", () => {
      const ok = accepted(
        decideTransition(
          input({ from: "triaged", to: "closed", outcome: "duplicate", duplicateOf: " case-0 " }),
        ),
      );
      expect(ok.events).toEqual([
        { type: "case.state-changed", payload: { from: "triaged", to: "closed", outcome: "duplicate" } },
        { type: "case.duplicate-marked", payload: { duplicateOf: "case-0" } },
      ]);
      expect(ok.reporterMessage).toContain(
        "This issue was already reported by someone else; the earliest report keeps the credit.",
      );
      expect(ok.reporterMessage).not.toContain("case-0");
      // The state-change event, the one most likely to be shown to the reporter one day, does not name it either.
      expect(JSON.stringify(ok.events[0])).not.toContain("case-0");
    });

    it("is allowed from every state that may close", () => {
      for (const from of closable) {
        expect(
          decideTransition(input({ from, to: "closed", outcome: "duplicate", duplicateOf: "case-0" })).ok,
        ).toBe(true);
      }
    });

    it("ignores duplicateOf with other outcomes", () => {
      const ok = accepted(
        decideTransition(input({ from: "new", to: "closed", outcome: "spam", duplicateOf: "case-0" })),
      );
      expect(ok.events.map((event) => event.type)).toEqual(["case.state-changed"]);
    });
  });

  describe("third-party", () => {
    it("points the reporter to the maintainers with the policy's words", () => {
      const thirdPartyMessage =
        "This is in an upstream library; please write to its maintainers via their tracker.";
      const ok = accepted(
        decideTransition(input({ from: "triaged", to: "closed", outcome: "third-party", thirdPartyMessage })),
      );
      expect(ok.reporterMessage).toBe(thirdPartyMessage);
    });

    it("falls back to a default that mentions the maintainers", () => {
      for (const thirdPartyMessage of [undefined, "", "  "]) {
        const ok = accepted(
          decideTransition(input({ from: "new", to: "closed", outcome: "third-party", thirdPartyMessage })),
        );
        expect(ok.reporterMessage).toBe(DEFAULT_THIRD_PARTY_MESSAGE);
        expect(ok.reporterMessage).toContain("maintainers");
      }
    });
  });

  describe("no-incident", () => {
    it("is refused unless the register allows it", () => {
      const no = refused(decideTransition(input({ from: "triaged", to: "closed", outcome: "no-incident" })));
      expect(no.code).toBe("outcome-not-allowed");
      expect(no.message).toBe(`this program's incident register does not allow the "no-incident" outcome`);
    });

    it("is allowed from every closable state when the register allows it", () => {
      for (const from of closable) {
        const ok = accepted(
          decideTransition(input({ from, to: "closed", outcome: "no-incident", noIncidentAllowed: true })),
        );
        expect(ok.reporterMessage).toBe("The team found no security incident, so this case is now closed.");
      }
    });
  });
});

describe("reporter agreement on fixed", () => {
  it("asks for agreement with a deadline when the policy requires it", () => {
    const ok = accepted(
      decideTransition(
        input({ from: "in-progress", to: "fixed", agreement: { required: true, waitForMs: 14 * DAY_MS } }),
      ),
    );
    expect(ok.agreementDueAt).toEqual(new Date("2026-03-16T10:00:00Z"));
    expect(ok.events).toEqual([
      { type: "case.state-changed", payload: { from: "in-progress", to: "fixed", outcome: null } },
      { type: "case.reporter-agreement-requested", payload: { dueAt: "2026-03-16T10:00:00.000Z" } },
    ]);
    expect(ok.reporterMessage).toContain("Please confirm");
  });

  it("does not ask when the policy does not require it", () => {
    for (const agreement of [undefined, { required: false, waitForMs: DAY_MS }]) {
      const ok = accepted(decideTransition(input({ from: "in-progress", to: "fixed", agreement })));
      expect(ok.agreementDueAt).toBeNull();
      expect(ok.events).toHaveLength(1);
      expect(ok.reporterMessage).toBe("The team has fixed the issue you reported.");
    }
  });

  it("asks only on the move to fixed", () => {
    const agreement = { required: true, waitForMs: DAY_MS };
    const ok = accepted(decideTransition(input({ from: "fixed", to: "disclosed", agreement })));
    expect(ok.agreementDueAt).toBeNull();
  });

  it("rejects a negative or non-finite wait as a programming error", () => {
    for (const waitForMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        decideTransition(
          input({ from: "in-progress", to: "fixed", agreement: { required: true, waitForMs } }),
        ),
      ).toThrow(RangeError);
    }
  });

  it("rejects an invalid clock", () => {
    expect(() => decideTransition(input({ from: "new", to: "triaged", now: new Date(Number.NaN) }))).toThrow(
      RangeError,
    );
  });
});

describe("reporter messages", () => {
  it.each([
    ["new", "triaged", "Your report has been triaged."],
    ["needs-info", "triaged", "Your report has been triaged."],
    ["closed", "triaged", "Your report has been reopened."],
    ["new", "needs-info", "The team needs more information from you. Please reply on this page."],
    ["triaged", "in-progress", "The team is working on a fix."],
    ["fixed", "in-progress", "The fix needs more work; the team is working on it again."],
    ["in-progress", "fixed", "The team has fixed the issue you reported."],
    ["fixed", "disclosed", "The issue you reported has been publicly disclosed."],
  ] as const)("%s → %s: %s", (from, to, message) => {
    expect(accepted(decideTransition(input({ from, to }))).reporterMessage).toBe(message);
  });

  it.each(CLOSING_OUTCOMES.map((outcome) => [outcome] as const))(
    "closing as %s gives a message of its own",
    (outcome) => {
      const ok = accepted(
        decideTransition(
          input({ from: "fixed", to: "closed", outcome, duplicateOf: "case-0", noIncidentAllowed: true }),
        ),
      );
      expect(ok.reporterMessage?.length).toBeGreaterThan(10);
    },
  );

  it("the resolved message thanks the reporter", () => {
    const ok = accepted(decideTransition(input({ from: "disclosed", to: "closed", outcome: "resolved" })));
    expect(ok.reporterMessage).toBe(
      "The issue you reported has been resolved, and this case is now closed. Thank you.",
    );
  });
});

describe("guards", () => {
  it("recognises states and outcomes", () => {
    expect(isCaseState("needs-info")).toBe(true);
    expect(isCaseState("open")).toBe(false);
    expect(isClosingOutcome("spam")).toBe(true);
    expect(isClosingOutcome("wontfix")).toBe(false);
  });
});
