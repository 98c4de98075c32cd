import { beforeAll, describe, expect, it } from "vitest";
import type { Policy } from "../../src/policy/schema.js";
import { loadExamplePolicies, SEED_SLUGS } from "../support/examples.js";

/**
 * Every promise that test/vectors/seeds/README.md lists for a seed is a value in its policy file.
 * These tests read the values back, so a promise cannot silently disappear from a policy.
 */
let programs: Map<string, Policy>;

beforeAll(async () => {
  const loaded = await loadExamplePolicies();
  programs = new Map([...loaded].map(([slug, entry]) => [slug, entry.policy]));
});

const program = (slug: string): Policy => {
  const policy = programs.get(slug);
  if (policy === undefined) throw new Error(`no example policy ${slug}`);
  return policy;
};
const clock = (slug: string, id: string) => program(slug).serviceLevels.clocks.find((c) => c.id === id);

it("loads exactly the five seed programs", () => {
  expect([...programs.keys()].sort()).toEqual([...SEED_SLUGS]);
});

describe("kitsu", () => {
  it("takes reports by email only, at nuck@ and help@", () => {
    const channels = program("kitsu").channels.filter((c) => c.purposes.includes("reports"));
    expect(channels.map((c) => [c.kind, c.address])).toEqual([
      ["email", "nuck@kitsu.example"],
      ["email", "help@kitsu.example"],
    ]);
  });

  it("has Emma as point of contact answering within one business day", () => {
    const emma = program("kitsu").contacts.find((c) => c.id === "emma");
    expect(emma?.roles).toContain("point-of-contact");
    expect(clock("kitsu", "acknowledge")).toMatchObject({
      kind: "acknowledge",
      within: { businessDays: 1 },
      stopsWhen: "team-replied",
    });
  });

  it("escalates to help@kitsu.example when Emma does not respond, and nags again", () => {
    const rule = program("kitsu").escalation.find((e) => e.clock === "acknowledge");
    const fallback = program("kitsu").contacts.find((c) => c.id === rule?.breach.notify[0]);
    expect(fallback).toMatchObject({ email: "help@kitsu.example", roles: ["fallback"] });
    expect(rule?.warn?.notify).toEqual(["emma"]);
    expect(rule?.repeat?.notify).toContain("kitsu-help");
  });

  it("runs a four-phase incident process and tells the reporter of every step", () => {
    const incident = program("kitsu").incident;
    expect(incident.keepReporterInformed).toBe(true);
    expect(incident.phases.map((p) => p.id)).toEqual([
      "assessment",
      "containment",
      "remediation",
      "postmortem",
    ]);
    expect(incident.phases.every((p) => p.notifyReporter)).toBe(true);
    const [assessment, containment, remediation, postmortem] = incident.phases;
    expect(assessment?.questions.map((q) => q.question)).toEqual([
      "Is it still ongoing?",
      "Who knows about it?",
      "What was exposed?",
    ]);
    expect(containment).toMatchObject({ skippable: true, notifyReporterWhenSkipped: true });
    expect(remediation?.endsWithPublicAnnouncement).toBe(true);
    expect(postmortem?.reporterInvited).toBe(true);
  });
});

describe("kulupu", () => {
  it("encrypts all communication to all parties with OpenPGP", () => {
    expect(program("kulupu").encryption).toMatchObject({
      reports: "required",
      allCommunication: true,
      openpgpKey: { url: "https://that.world/~wei/pubkey.gpg" },
    });
  });

  it("has Wei Tang as the one point of contact", () => {
    expect(program("kulupu").contacts).toHaveLength(1);
    expect(program("kulupu").contacts[0]).toMatchObject({ name: "Wei Tang", email: "wei@kulupu.example" });
  });

  it("asks for the six template fields and a descriptive subject", () => {
    const template = program("kulupu").reportTemplate;
    expect(template.fields.map((f) => f.id)).toEqual([
      "name",
      "description",
      "attack-scenario",
      "components",
      "reproduction",
      "other-details",
    ]);
    expect(template.subjectGuidance).toBe("Be sure to use a descriptive subject line.");
  });

  it("states rules of responsible investigation and requires written warning before disclosure", () => {
    const policy = program("kulupu");
    expect(policy.rulesOfEngagement).toHaveLength(6);
    expect(policy.scope.excludedActivities.map((a) => a.activity)).toEqual(
      expect.arrayContaining(["social-engineering", "denial-of-service", "physical-security", "spam"]),
    );
    expect(policy.disclosure.reporterWarning).toMatchObject({ required: true, written: true });
  });
});

describe("privacytools", () => {
  it("covers the code and several hosted services", () => {
    const ids = program("privacytools").scope.inScope.map((a) => a.id);
    expect(ids).toEqual(["privacytools-code", "mastodon", "matrix", "riot", "other-services"]);
  });

  it("acknowledges within 48 h and responds in detail within 72 h", () => {
    expect(clock("privacytools", "acknowledge")?.within).toEqual({ hours: 48 });
    expect(clock("privacytools", "detailed-response")).toMatchObject({
      within: { hours: 72 },
      stopsWhen: "detailed-response-sent",
    });
  });

  it("refers third-party bugs to their maintainers and lists what is out of scope", () => {
    const scope = program("privacytools").scope;
    expect(scope.thirdPartyReports?.action).toBe("refer-to-maintainers");
    expect(scope.excludedActivities.map((a) => a.activity)).toEqual([
      "automated-scanning",
      "denial-of-service",
      "social-engineering",
      "third-party-infrastructure",
      "accounts-not-owned",
    ]);
  });

  it("has one assignee coordinate confirm, audit and fix of every release", () => {
    const incident = program("privacytools").incident;
    expect(incident.coordinator?.role).toBe("assignee");
    expect(incident.phases.map((p) => p.id)).toEqual(["confirm", "audit", "fix"]);
  });

  it("tells affected users by email or website notice, and changes policy by pull request", () => {
    expect(program("privacytools").disclosure.userNotification).toMatchObject({
      when: "user-data-affected",
      channels: ["email", "website-notice"],
    });
    expect(program("privacytools").policyChanges?.via).toBe("pull-request");
  });
});

describe("kafe", () => {
  it("confirms within 72 h and keeps 60 days of confidentiality", () => {
    expect(clock("kafe", "confirmation")).toMatchObject({ kind: "confirmation", within: { hours: 72 } });
    expect(program("kafe").disclosure.embargo).toMatchObject({ within: { days: 60 }, startsAt: "received" });
  });

  it("has scope and out-of-scope lists", () => {
    const scope = program("kafe").scope;
    expect(scope.inScope.map((a) => a.kind)).toEqual(["source-repository", "binary"]);
    expect(scope.outOfScope.map((a) => a.id)).toEqual(["github", "managed-kafe"]);
  });

  it("promises no legal action", () => {
    expect(program("kafe").safeHarbor?.noLegalAction).toBe(true);
  });

  it("credits the first reporter of an issue that led to a change, in the source repository", () => {
    expect(program("kafe").recognition.credit).toMatchObject({
      firstReporterOnly: true,
      requiresChange: true,
      places: [{ kind: "source-repository" }],
    });
  });

  it("asks for location, impact, steps, proof of concept and credit details", () => {
    const fields = program("kafe").reportTemplate.fields;
    expect(fields.map((f) => [f.id, f.kind])).toEqual([
      ["location-impact", "long-text"],
      ["steps", "long-text"],
      ["poc", "file"],
      ["credit-name", "text"],
      ["credit-link", "url"],
    ]);
    const poc = program("kafe").channels.find((c) => c.purposes.includes("proof-of-concept"));
    expect(poc).toMatchObject({ kind: "repository", url: "https://github.com/Addvilz", access: "private" });
  });
});

describe("rocketchat", () => {
  it("keeps an incident register with source tags, priorities, due dates and followers", () => {
    expect(program("rocketchat").incident.register).toMatchObject({
      backgroundLinks: true,
      sourceTags: expect.arrayContaining(["hackerone"]),
      defaultAssignee: "markus",
      priorities: ["low", "medium", "high"],
      dueDateRequired: true,
      followers: true,
      noIncidentOutcome: true,
      classificationRequiredOnClose: true,
      reporterAgreement: { required: true },
      problemManagement: { action: expect.any(String) },
    });
  });

  it("has a lead and an emergency contact", () => {
    const roles = program("rocketchat").contacts.map((c) => [c.id, c.roles]);
    expect(roles).toEqual([
      ["markus", ["lead", "point-of-contact", "privacy-officer"]],
      ["rodrigo", ["emergency"]],
    ]);
  });

  it("discloses in phases at days 0, 14, 30 and 90 after the fix release", () => {
    const phases = program("rocketchat").disclosure.phases;
    expect(phases.map((p) => [p.day, p.relativeTo])).toEqual([
      [0, "fix-release"],
      [14, "fix-release"],
      [30, "fix-release"],
      [90, "fix-release"],
    ]);
    expect(phases[3]?.actions.map((a) => a.kind)).toEqual([
      "allow-reporter-disclosure",
      "credit-reporter",
      "reward-reporter",
      "close-case",
    ]);
  });

  it("phrases open-source fixes without sensitive words", () => {
    expect(program("rocketchat").disclosure.wording).toMatchObject({
      appliesTo: "open-source",
      forbiddenWords: ["XSS", "hacker", "exploit"],
    });
  });

  it("rewards with a bounty or gift and notifies authorities of privacy incidents", () => {
    expect(program("rocketchat").recognition.reward.kind).toBe("bounty-or-gift");
    expect(program("rocketchat").disclosure.authorityNotification?.when).toBe("privacy-incident");
  });
});
