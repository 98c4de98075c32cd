import { beforeAll, describe, expect, it } from "vitest";
import { loadExamplePolicies } from "../../../test/support/examples.js";
import type { Policy } from "../../policy/schema.js";
import { thirdPartyClosingMessage, transitionRules } from "./policy-rules.js";

describe("what a third-party close tells the reporter (scope.thirdPartyReports)", () => {
  let privacytools: Policy;
  beforeAll(async () => {
    const loaded = (await loadExamplePolicies()).get("privacytools");
    if (loaded === undefined) throw new Error("no privacytools");
    privacytools = loaded.policy;
  });
  const withAction = (action: "refer-to-maintainers" | "forward" | "decline"): Policy => ({
    ...privacytools,
    scope: {
      ...privacytools.scope,
      thirdPartyReports: { action, message: "Please write to the maintainers of that project." },
    },
  });

  it("refers the reporter to the maintainers in the policy's words", () => {
    expect(thirdPartyClosingMessage(privacytools)).toBe(
      "Please report any security bugs in third-party projects to the person or team maintaining that project.",
    );
    expect(transitionRules(privacytools, new Date()).thirdPartyMessage).toBe(
      thirdPartyClosingMessage(privacytools),
    );
  });

  it("says the team forwards it, or declines it, before the policy's words", () => {
    expect(thirdPartyClosingMessage(withAction("forward"))).toBe(
      "The team forwards your report to that project's maintainers. Please write to the maintainers of that project.",
    );
    expect(thirdPartyClosingMessage(withAction("decline"))).toBe(
      "The team does not handle reports about projects it does not maintain. Please write to the maintainers of that project.",
    );
  });

  it("leaves the lifecycle's own message when the policy says nothing", () => {
    expect(
      thirdPartyClosingMessage({
        ...privacytools,
        scope: { ...privacytools.scope, thirdPartyReports: undefined },
      }),
    ).toBeUndefined();
  });
});
