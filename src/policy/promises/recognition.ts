import { enforced, type Keeper, published, test } from "./keepers.js";

const CREDIT_KAFE = test(
  "test/workspace/credit.test.ts",
  "credits a Kafe reporter only after the fix, and lists them in the hall of fame once disclosed",
);
const CREDIT_MANUAL = test(
  "test/workspace/credit.test.ts",
  "Rocket.Chat's HackerOne and WhiteHat list are marked done by the team, with a note",
);
const CREDIT_SNIPPET = test(
  "test/cli/credits.test.ts",
  "prints the escaped snippet of credited reporters, newest first, and --since keeps the later ones",
);

/** Who keeps the promises of disclosure and recognition. */
/** `recognition` (credit and rewards) and `policyChanges`. */
export const RECOGNITION_PROMISES: Readonly<Record<string, Keeper>> = {
  "recognition.credit.places[].kind": enforced(
    "each place is a task on the case page: the hall of fame and the advisory's credits are automatic, the source repository gets the snippet of `embargo credits`, HackerOne and external lists are marked done by a team member",
    CREDIT_KAFE,
    CREDIT_MANUAL,
    CREDIT_SNIPPET,
  ),
  "recognition.credit.places[].name": enforced(
    "each place is named on the case page and the reporter's page; a team member's done mark records it by name",
    CREDIT_KAFE,
    CREDIT_MANUAL,
  ),
  "recognition.credit.places[].url": enforced("the case page links each place's address", CREDIT_KAFE),
  "recognition.credit.firstReporterOnly": enforced(
    "a case closed as a duplicate names the case, received first, that keeps the credit",
    test(
      "test/workspace/incident-phases.test.ts",
      "names the case that keeps the credit when a Kafe case is closed as a duplicate",
    ),
    test(
      "test/workspace/incident-phases.test.ts",
      "says nothing about it under a policy that credits every reporter",
    ),
  ),
  "recognition.credit.requiresChange": enforced(
    "not credited until the case was fixed or closed as resolved: the reporter's page says so, and the hall of fame, the snippet and the advisory's credits leave them out",
    CREDIT_KAFE,
    test(
      "src/domain/credit/rules.test.ts",
      "requiresChange: not credited before a change is made, credited once fixed or closed as resolved",
    ),
  ),
  "recognition.reward.kind": enforced(
    "each case tracks the bounty or gift the policy's kind allows: proposed, approved by a second member, paid or declined by the reporter",
    test(
      "test/workspace/rewards.test.ts",
      "takes a Rocket.Chat bounty from proposal to payment: a second member approves, the reporter sees it and is mailed",
    ),
    test(
      "test/workspace/rewards.test.ts",
      "proposes a gift, replaces it, and lets the reporter decline an approved one with a message",
    ),
    test(
      "test/workspace/rewards.test.ts",
      "refuses a proposal with 409 where the policy offers no reward (Kitsu, Kafe)",
    ),
  ),
  "recognition.reward.text": enforced(
    "the policy's words about the reward, shown where the team decides it and on the reporter's page",
    test(
      "test/workspace/rewards.test.ts",
      "takes a Rocket.Chat bounty from proposal to payment: a second member approves, the reporter sees it and is mailed",
    ),
  ),
  "recognition.thanks": published("words of thanks for people on the policy page"),

  "policyChanges.via": published("tells people how to propose a change to the policy"),
  "policyChanges.url": published("a link for people proposing a change to the policy"),
  "policyChanges.text": published("words for people about changes to the policy"),
};
