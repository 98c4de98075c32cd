import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../../test/support/acme-policy.js";
import type { EmbargoEnd } from "../clocks/disclosure.js";
import { advisoryCreditsFor } from "./advisory.js";
import { creditMonth, creditPublication, creditStatus, currentChoice, decideCreditChange } from "./choice.js";
import { creditDecision, httpsLink, NOT_CREDITED_WORDS } from "./rules.js";
import { acknowledgmentsMarkdown, escapeMarkdown } from "./snippet.js";

const FIXED = new Date("2026-12-05T10:00:00Z");
const ADA = { mode: "name" as const, name: "Ada Lovelace", link: "https://ada.example/" };

const kafeLike = acmePolicy({
  recognition: {
    credit: {
      places: [
        { kind: "source-repository", name: "Kafe source repository", url: "https://github.com/libkafe/kafe" },
      ],
      firstReporterOnly: true,
      requiresChange: true,
    },
  },
});
const plainCredit = acmePolicy({
  recognition: { credit: { places: [{ kind: "hall-of-fame", name: "Hall of fame" }] } },
});
const noCredit = acmePolicy();

const facts = (overrides: Partial<Parameters<typeof creditDecision>[1]> = {}) => ({
  credit: ADA,
  outcome: null,
  fixedAt: FIXED,
  ...overrides,
});

describe("creditDecision: who the policy's rules credit", () => {
  it("credits a named reporter with their https link", () => {
    expect(creditDecision(kafeLike, facts())).toEqual({
      credited: true,
      name: "Ada Lovelace",
      link: "https://ada.example/",
      mode: "name",
    });
  });

  it("credits nobody when the policy promises no credit, or the reporter chose anonymity", () => {
    expect(creditDecision(noCredit, facts())).toEqual({ credited: false, reason: "no-credit-in-policy" });
    expect(creditDecision(kafeLike, facts({ credit: { mode: "anonymous" } }))).toEqual({
      credited: false,
      reason: "anonymous",
    });
  });

  it("requiresChange: not credited before a change is made, credited once fixed or closed as resolved", () => {
    expect(creditDecision(kafeLike, facts({ fixedAt: null }))).toEqual({
      credited: false,
      reason: "no-change-yet",
    });
    expect(NOT_CREDITED_WORDS["no-change-yet"]).toBe(
      "Credit follows once a change is made because of the report.",
    );
    expect(creditDecision(kafeLike, facts({ fixedAt: null, outcome: "resolved" })).credited).toBe(true);
    // Without requiresChange, credit does not wait for the fix.
    expect(creditDecision(plainCredit, facts({ fixedAt: null })).credited).toBe(true);
  });

  it("firstReporterOnly: a duplicate is not credited; without the rule it is", () => {
    expect(creditDecision(kafeLike, facts({ outcome: "duplicate" }))).toEqual({
      credited: false,
      reason: "duplicate",
    });
    expect(creditDecision(plainCredit, facts({ outcome: "duplicate" })).credited).toBe(true);
  });

  it("keeps only https links and one line of name: javascript:, http: and line breaks are neutralised", () => {
    for (const link of [
      "javascript:alert(1)",
      "http://ada.example",
      "data:text/html,x",
      "https://u:p@ada.example",
      "not a url",
    ])
      expect(creditDecision(plainCredit, facts({ credit: { ...ADA, link } }))).toMatchObject({ link: null });
    expect(httpsLink(" https://ada.example/a b ")).toBe("https://ada.example/a%20b");
    const decision = creditDecision(
      plainCredit,
      facts({ credit: { mode: "handle", name: "ada\n## Owned\r\u0000x" } }),
    );
    expect(decision).toMatchObject({ credited: true, name: "ada ## Owned x", mode: "handle" });
    expect(creditDecision(plainCredit, facts({ credit: { mode: "name", name: " \n " } }))).toEqual({
      credited: false,
      reason: "no-name",
    });
  });
});

describe("the reporter's choice and its publication", () => {
  const ended: EmbargoEnd = {
    label: "Embargo ends",
    promise: null,
    startedAt: new Date("2026-10-01T00:00:00Z"),
    endsAt: new Date("2026-11-30T00:00:00Z"),
    state: "ended",
    text: "ended",
  };
  const running: EmbargoEnd = { ...ended, endsAt: new Date("2027-01-30T00:00:00Z"), state: "running" };
  const base = { state: "fixed", outcome: null, closedAt: null, disclosedAt: null, embargo: running };

  it("the last change is the choice, else the report's original", () => {
    expect(currentChoice(ADA, [])).toEqual(ADA);
    expect(currentChoice(ADA, [{ mode: "handle", name: "ada" }, { mode: "anonymous" }])).toEqual({
      mode: "anonymous",
    });
  });

  it("is published once disclosed, or closed as resolved after the embargo's end", () => {
    expect(creditPublication(base)).toEqual({ published: false });
    const disclosedAt = new Date("2026-12-20T10:00:00Z");
    expect(creditPublication({ ...base, state: "disclosed", disclosedAt })).toEqual({
      published: true,
      at: disclosedAt,
    });
    const closedAt = new Date("2026-12-24T10:00:00Z");
    const resolved = { ...base, state: "closed", outcome: "resolved", closedAt };
    expect(creditPublication(resolved)).toEqual({ published: false });
    expect(creditPublication({ ...resolved, embargo: ended })).toEqual({ published: true, at: closedAt });
    expect(creditPublication({ ...resolved, embargo: null })).toEqual({ published: true, at: closedAt });
    expect(creditPublication({ ...resolved, disclosedAt })).toEqual({ published: true, at: disclosedAt });
    expect(creditPublication({ ...resolved, outcome: "duplicate", embargo: ended })).toEqual({
      published: false,
    });
  });

  it("takes a change until publication, and refuses it after with a clear message", () => {
    const open = { published: false } as const;
    expect(decideCreditChange(ADA, open, { mode: "anonymous", name: "x", link: "y" })).toEqual({
      ok: true,
      choice: { mode: "anonymous" },
      changed: true,
    });
    expect(
      decideCreditChange(ADA, open, { mode: "name", name: "Ada Lovelace", link: "https://ada.example/" }),
    ).toEqual({
      ok: true,
      choice: ADA,
      changed: false,
    });
    expect(decideCreditChange(ADA, open, { mode: "handle", name: "", link: "" })).toMatchObject({
      ok: false,
      field: "name",
    });
    expect(
      decideCreditChange(ADA, open, { mode: "handle", name: "ada", link: "javascript:alert(1)" }),
    ).toEqual({
      ok: false,
      field: "link",
      message: "A link must be an https:// address, or left empty.",
    });
    expect(decideCreditChange(ADA, open, { mode: "both", name: "ada", link: "" })).toMatchObject({
      ok: false,
      field: "mode",
    });
    expect(decideCreditChange(ADA, open, { mode: "name", name: "a".repeat(201), link: "" })).toMatchObject({
      ok: false,
      field: "name",
    });
    expect(
      decideCreditChange(ADA, { published: true, at: FIXED }, { mode: "anonymous", name: "", link: "" }),
    ).toMatchObject({
      ok: false,
      field: "form",
      message: expect.stringContaining("can no longer be changed"),
    });
  });

  it("creditStatus puts the choice, the decision and the publication together", () => {
    const status = creditStatus(kafeLike, {
      ...base,
      fixedAt: null,
      original: ADA,
      changes: [{ mode: "handle", name: "ada" }],
    });
    expect(status).toEqual({
      choice: { mode: "handle", name: "ada" },
      decision: { credited: false, reason: "no-change-yet" },
      publication: { published: false },
    });
  });
});

describe("advisory credits and the acknowledgments snippet", () => {
  it("advisoryCreditsFor: the credited reporter as a finder, nobody otherwise", () => {
    expect(advisoryCreditsFor(kafeLike, facts())).toEqual([
      { name: "Ada Lovelace", type: "finder", url: "https://ada.example/" },
    ]);
    expect(advisoryCreditsFor(kafeLike, facts({ credit: { mode: "handle", name: "ada" } }))).toEqual([
      { name: "ada", type: "finder" },
    ]);
    expect(advisoryCreditsFor(kafeLike, facts({ outcome: "duplicate" }))).toEqual([]);
    expect(advisoryCreditsFor(kafeLike, facts({ fixedAt: null }))).toEqual([]);
    expect(advisoryCreditsFor(noCredit, facts())).toEqual([]);
  });

  it("writes one escaped line per credit: linked name, CVE id or month", () => {
    expect(creditMonth(new Date("2027-02-28T23:59:59Z"))).toBe("February 2027");
    const text = acknowledgmentsMarkdown([
      { name: "Ada Lovelace", link: "https://ada.example/(x)", cveId: "CVE-2027-0001", publishedAt: FIXED },
      {
        name: "<img src=x onerror=alert(1)> [x](javascript:alert(1)) *b*",
        link: null,
        cveId: null,
        publishedAt: FIXED,
      },
    ]);
    expect(text).toBe(
      [
        "## Security acknowledgments",
        "",
        "- [Ada Lovelace](https://ada.example/%28x%29) — CVE-2027-0001",
        "- \\<img src\\=x onerror\\=alert\\(1\\)\\> \\[x\\]\\(javascript\\:alert\\(1\\)\\) \\*b\\* — December 2026",
        "",
      ].join("\n"),
    );
    expect(escapeMarkdown("a\n# b")).toBe("a \\# b");
    expect(acknowledgmentsMarkdown([])).toBe("## Security acknowledgments\n\nNo reporters to credit yet.\n");
  });
});
