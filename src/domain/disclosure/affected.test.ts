import { beforeAll, describe, expect, it } from "vitest";
import { loadExamplePolicies } from "../../../test/support/examples.js";
import type { Policy } from "../../policy/schema.js";
import { registerGates } from "../incident/register.js";
import { decideTransition } from "../lifecycle/lifecycle.js";
import {
  type AffectedEvent,
  checkAlias,
  checkCell,
  checkCveId,
  checkIdentifiers,
  checkVersion,
  describeOwed,
  foldAffected,
  identifierChanges,
  policyMatrix,
  productionReleasesOwed,
} from "./affected.js";

let privacytools: Policy;
let rocketchat: Policy;
beforeAll(async () => {
  const loaded = await loadExamplePolicies();
  const get = (slug: string) => {
    const policy = loaded.get(slug)?.policy;
    if (policy === undefined) throw new Error(`no ${slug}`);
    return policy;
  };
  privacytools = get("privacytools");
  rocketchat = get("rocketchat");
});

const set = (
  asset: string,
  version: string,
  status: "affected" | "not-affected" | "under-investigation" | "fixed" | "will-not-fix",
  extra: { fixedIn?: string; reason?: string } = {},
): AffectedEvent => ({
  type: "case.affected_set",
  payload: { asset, version, status, fixedIn: extra.fixedIn ?? null, reason: extra.reason ?? null },
});
const added = (asset: string, version: string, inProduction: boolean): AffectedEvent => ({
  type: "case.release_added",
  payload: { asset, version, inProduction },
});

describe("the affected-release matrix", () => {
  it("starts from the policy's releases, each under investigation", () => {
    expect(
      policyMatrix(rocketchat).map((cell) => [cell.asset, cell.version, cell.inProduction, cell.status]),
    ).toEqual([
      ["rocketchat-product", ">=7.0.0 <7.1.0", true, "under-investigation"],
      ["rocketchat-product", ">=6.13.0 <6.14.0", true, "under-investigation"],
      ["rocketchat-product", ">=6.0.0 <6.13.0", false, "under-investigation"],
      ["rocketchat-cloud", "live", true, "under-investigation"],
    ]);
  });

  it("folds the case's events: statuses set, releases added after their asset's own", () => {
    const matrix = foldAffected(rocketchat, [
      set("rocketchat-product", ">=7.0.0 <7.1.0", "fixed", { fixedIn: "7.0.4" }),
      added("rocketchat-product", "5.4.x", false),
      set("rocketchat-product", ">=6.0.0 <6.13.0", "will-not-fix", { reason: "end of life" }),
      added("rocketchat-product", "5.4.x", true),
      set("rocketchat-cloud", "live", "not-affected"),
    ]);
    expect(
      matrix.map((cell) => [
        cell.version,
        cell.source,
        cell.inProduction,
        cell.status,
        cell.fixedIn,
        cell.reason,
      ]),
    ).toEqual([
      [">=7.0.0 <7.1.0", "policy", true, "fixed", "7.0.4", null],
      [">=6.13.0 <6.14.0", "policy", true, "under-investigation", null, null],
      [">=6.0.0 <6.13.0", "policy", false, "will-not-fix", null, "end of life"],
      ["5.4.x", "case", true, "under-investigation", null, null],
      ["live", "policy", true, "not-affected", null, null],
    ]);
    // A release of the policy keeps the policy's production flag.
    expect(foldAffected(rocketchat, [added("rocketchat-cloud", "live", false)])[3]?.inProduction).toBe(true);
  });

  it("owes a fix to each production release affected, under investigation or not to be fixed", () => {
    const matrix = foldAffected(rocketchat, [
      set("rocketchat-product", ">=7.0.0 <7.1.0", "affected"),
      set("rocketchat-product", ">=6.13.0 <6.14.0", "will-not-fix", { reason: "no" }),
      set("rocketchat-cloud", "live", "fixed", { fixedIn: "2026-12-07 deploy" }),
    ]);
    expect(productionReleasesOwed(rocketchat, matrix).map(describeOwed)).toEqual([
      "Rocket.Chat (open-source and closed-source code) >=7.0.0 <7.1.0 (affected)",
      "Rocket.Chat (open-source and closed-source code) >=6.13.0 <6.14.0 (will not fix)",
    ]);
    // The release out of production (>=6.0.0 <6.13.0) is under investigation and owed nothing.
    const done = foldAffected(rocketchat, [
      set("rocketchat-product", ">=7.0.0 <7.1.0", "fixed", { fixedIn: "7.0.5" }),
      set("rocketchat-product", ">=6.13.0 <6.14.0", "not-affected"),
      set("rocketchat-cloud", "live", "not-affected"),
    ]);
    expect(productionReleasesOwed(rocketchat, done)).toEqual([]);
  });

  it("refuses fixed while a production release is owed, under fixAllProductionReleases only", () => {
    const owed = productionReleasesOwed(privacytools, policyMatrix(privacytools)).map(describeOwed);
    expect(owed).toHaveLength(4);
    const facts = {
      dueAt: null,
      priority: null,
      severity: null,
      cwe: null,
      resolutionDone: new Set<string>(),
    };
    const gates = registerGates(privacytools, { ...facts, productionReleasesOwed: owed });
    const refused = decideTransition({
      from: "in-progress",
      to: "fixed",
      caseId: "c",
      now: new Date("2026-12-07T10:00:00Z"),
      noIncidentAllowed: false,
      gates,
    });
    expect(refused).toMatchObject({ ok: false, code: "production-releases-unfixed" });
    expect(refused.ok ? "" : refused.message).toContain(
      "Mastodon hosted by privacytools.io live (under investigation)",
    );
    // Rocket.Chat does not ask for it: its gates ignore the owed releases.
    expect(
      registerGates(rocketchat, { ...facts, dueAt: "x", productionReleasesOwed: owed })
        .productionReleasesUnfixed,
    ).toBeUndefined();
    // Moving elsewhere is not held back.
    expect(
      decideTransition({
        from: "in-progress",
        to: "needs-info",
        caseId: "c",
        now: new Date(),
        noIncidentAllowed: false,
        gates,
      }).ok,
    ).toBe(true);
  });
});

describe("what the team types into the matrix", () => {
  it("needs a fix version for fixed and a reason for will not fix, and nothing out of place", () => {
    expect(checkCell({ status: "fixed", fixedIn: " 7.0.4 " })).toEqual({
      ok: true,
      value: { status: "fixed", fixedIn: "7.0.4", reason: null },
    });
    expect(checkCell({ status: "fixed" })).toMatchObject({ ok: false, field: "fixedIn" });
    expect(checkCell({ status: "will-not-fix", reason: " " })).toMatchObject({ ok: false, field: "reason" });
    expect(checkCell({ status: "affected", fixedIn: "7.0.4" })).toMatchObject({
      ok: false,
      field: "fixedIn",
    });
    expect(checkCell({ status: "affected", reason: "why" })).toMatchObject({ ok: false, field: "reason" });
    expect(checkCell({ status: "not-affected", reason: "no such code" })).toMatchObject({ ok: true });
    expect(checkCell({ status: "broken" })).toMatchObject({ ok: false, field: "status" });
    expect(checkCell({ status: "will-not-fix", reason: "x".repeat(2_001) })).toMatchObject({
      ok: false,
      field: "reason",
    });
  });

  it("takes versions of 1 to 100 characters without control characters", () => {
    expect(checkVersion(" >=7.0.0 <7.1.0 ")).toEqual({ ok: true, value: ">=7.0.0 <7.1.0" });
    expect(checkVersion("")).toMatchObject({ ok: false });
    expect(checkVersion("1".repeat(101))).toMatchObject({ ok: false });
    expect(checkVersion("7.0\u202e1")).toMatchObject({ ok: false });
  });
});

describe("a case's CVE id and aliases", () => {
  it("takes CVE-YYYY-NNNN+ ids in upper case and refuses anything else", () => {
    expect(checkCveId(" cve-2026-1234 ")).toEqual({ ok: true, value: "CVE-2026-1234" });
    expect(checkCveId("CVE-2026-123456789")).toMatchObject({ ok: true });
    for (const bad of [
      "CVE-2026-123",
      "CVE-26-1234",
      "2026-1234",
      "CVE-2026-12a4",
      "CVE-2026-1234 x",
      `CVE-2026-${"1".repeat(20)}`,
    ])
      expect(checkCveId(bad)).toMatchObject({ ok: false, field: "cveId" });
  });

  it("takes aliases of 1 to 64 letters, digits and . _ : # -", () => {
    expect(checkAlias("GHSA-abcd-1234-wxyz")).toEqual({ ok: true, value: "GHSA-abcd-1234-wxyz" });
    expect(checkAlias("H1#123456")).toMatchObject({ ok: true });
    for (const bad of ["", "a b", "x".repeat(65), "<script>", "ghsa/1"])
      expect(checkAlias(bad)).toMatchObject({ ok: false, field: "aliases" });
  });

  it("keeps each alias once, not the CVE id again, and says what the index gains and loses", () => {
    expect(checkIdentifiers({ cveId: "cve-2026-1111", aliases: ["ghsa-1", "GHSA-1", "", "h1-2"] })).toEqual({
      ok: true,
      value: { cveId: "CVE-2026-1111", aliases: ["ghsa-1", "h1-2"] },
    });
    expect(checkIdentifiers({ cveId: "CVE-2026-1111", aliases: ["cve-2026-1111"] })).toMatchObject({
      ok: false,
    });
    expect(
      checkIdentifiers({ cveId: null, aliases: Array.from({ length: 21 }, (_, i) => `A${i}`) }),
    ).toMatchObject({ ok: false, field: "aliases" });
    expect(
      identifierChanges(
        { cveId: "CVE-2026-1111", aliases: ["ghsa-1"] },
        { cveId: "CVE-2026-2222", aliases: ["GHSA-1", "h1"] },
      ),
    ).toEqual({
      added: [
        { value: "CVE-2026-2222", kind: "cve" },
        { value: "H1", kind: "alias" },
      ],
      removed: ["CVE-2026-1111"],
    });
  });
});
