import { describe, expect, it } from "vitest";
import {
  applyRoleChanges,
  meetsSso,
  passwordRefusedBy,
  planRoleSync,
  rolesFromGroups,
  ssoSetupProblems,
  withoutSsoPrograms,
} from "../../src/auth/sso-rules.js";
import type { Role } from "../../src/auth/staff.js";

/** The pure rules of single sign-on (src/auth/sso-rules.ts); the flow itself is in sso.test.ts. */
const MAPPING = new Map([
  ["security-team", [{ program: "kitsu", role: "responder" as const }]],
  [
    "security-leads",
    [
      { program: "kitsu", role: "admin" as const },
      { program: "kafe", role: "viewer" as const },
    ],
  ],
]);
const roles = (entries: [string, Role][]) => new Map(entries);

describe("the roles a provider's groups give", () => {
  it("maps each group to its roles, the highest winning per program, and ignores unknown groups", () => {
    expect(rolesFromGroups(["staff", "security-team"], MAPPING)).toEqual(roles([["kitsu", "responder"]]));
    for (const order of [
      ["security-team", "security-leads"],
      ["security-leads", "security-team"],
    ])
      expect(rolesFromGroups(order, MAPPING)).toEqual(
        roles([
          ["kitsu", "admin"],
          ["kafe", "viewer"],
        ]),
      );
    expect(rolesFromGroups([], MAPPING)).toEqual(new Map());
  });
});

describe("bringing a member's roles in line with their groups", () => {
  it("grants, changes and revokes only what the provider gave, and leaves roles given by hand alone", () => {
    const changes = planRoleSync({
      wanted: roles([
        ["kitsu", "admin"],
        ["kafe", "responder"],
        ["new", "viewer"],
      ]),
      memberships: roles([
        ["kitsu", "responder"], // the provider gave it: raised
        ["kafe", "viewer"], // by hand: stays
        ["old", "viewer"], // the provider gave it, the group is gone: revoked
        ["moved", "admin"], // the provider gave viewer, someone made it admin by hand: forgotten
      ]),
      granted: roles([
        ["kitsu", "responder"],
        ["old", "viewer"],
        ["moved", "viewer"],
        ["gone", "viewer"], // the membership was removed meanwhile, the group too
      ]),
    });
    expect(changes).toEqual([
      { kind: "forget", program: "gone" },
      { kind: "grant", program: "kitsu", from: "responder", to: "admin" },
      { kind: "forget", program: "moved" },
      { kind: "grant", program: "new", from: null, to: "viewer" },
      { kind: "revoke", program: "old", role: "viewer" },
    ]);
    expect(
      applyRoleChanges(
        roles([
          ["kitsu", "responder"],
          ["kafe", "viewer"],
          ["old", "viewer"],
          ["moved", "admin"],
        ]),
        changes,
      ),
    ).toEqual(
      roles([
        ["kitsu", "admin"],
        ["kafe", "viewer"],
        ["moved", "admin"],
        ["new", "viewer"],
      ]),
    );
  });

  it("changes nothing when the groups give what the provider gave", () => {
    const same = roles([["kitsu", "responder"]]);
    expect(planRoleSync({ wanted: same, memberships: same, granted: same })).toEqual([]);
  });
});

describe("a program that requires single sign-on (policy team.requireSso)", () => {
  const programs = [
    { slug: "kitsu", requireSso: "corp" },
    { slug: "kafe", requireSso: true },
    { slug: "kulupu" },
  ];

  it("is met by a session from the named provider, or from any for true", () => {
    expect(meetsSso(undefined, null)).toBe(true);
    expect(meetsSso(false, null)).toBe(true);
    expect(meetsSso(true, null)).toBe(false);
    expect(meetsSso(true, "partner")).toBe(true);
    expect(meetsSso("corp", "partner")).toBe(false);
    expect(meetsSso("corp", "corp")).toBe(true);
  });

  it("withholds those programs from other sessions, narrowing a role on every program", () => {
    const all = roles([["*", "admin"]]);
    expect(withoutSsoPrograms(all, programs, null)).toEqual(roles([["kulupu", "admin"]]));
    expect(withoutSsoPrograms(all, programs, "partner")).toEqual(
      roles([
        ["kafe", "admin"],
        ["kulupu", "admin"],
      ]),
    );
    expect(withoutSsoPrograms(all, programs, "corp")).toEqual(all);
    expect(withoutSsoPrograms(roles([["kitsu", "viewer"]]), programs, null)).toEqual(new Map());
  });

  it("refuses the password of a member of such a program, not of a member of every program", () => {
    expect(passwordRefusedBy([{ program: "kulupu" }, { program: "kitsu" }], programs)?.slug).toBe("kitsu");
    expect(passwordRefusedBy([{ program: "kulupu" }], programs)).toBeUndefined();
    expect(passwordRefusedBy([{ program: "*" }], programs)).toBeUndefined();
  });
});

describe("single sign-on settings against the policies", () => {
  const corp = { id: "corp", groups: MAPPING };
  const programs = [{ slug: "kitsu", requireSso: "corp" }, { slug: "kafe" }];

  it("finds nothing wrong when requireSso names a configured provider and every group names a program", () => {
    expect(ssoSetupProblems([corp], programs)).toEqual([]);
  });

  it("names a requireSso provider that is not configured, requireSso: true without any, and a group's unknown program", () => {
    expect(
      ssoSetupProblems(
        [],
        [
          { slug: "kitsu", requireSso: "corp" },
          { slug: "kafe", requireSso: true },
        ],
      ),
    ).toEqual([
      'program "kitsu": team.requireSso names the identity provider "corp", which is not configured (none is configured; EMBARGO_OIDC_PROVIDERS)',
      'program "kafe": team.requireSso is true, but no identity provider is configured',
    ]);
    expect(ssoSetupProblems([corp], [{ slug: "kitsu", requireSso: "okta" }])).toEqual([
      'program "kitsu": team.requireSso names the identity provider "okta", which is not configured (configured: corp; EMBARGO_OIDC_PROVIDERS)',
      'identity provider "corp": group "security-leads" gives a role on program "kafe", which no policy defines',
    ]);
    // A role on every program names none in particular.
    expect(ssoSetupProblems([{ id: "corp", groups: new Map([["all", [{ program: "*" }]]]) }], [])).toEqual(
      [],
    );
  });
});
