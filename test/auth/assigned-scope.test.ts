import { describe, expect, it } from "vitest";
import { assignedOnlyPrograms } from "../../src/auth/assigned-scope.js";
import type { Membership, Role } from "../../src/auth/staff.js";
import { HttpError } from "../../src/web/errors.js";
import { canSeeCase, canViewCase, inboxReach, requireAccessToCase } from "../../src/web/permissions.js";
import { acmePolicy } from "../support/acme-policy.js";

/** A role limited to assigned cases (an outside contractor): the pure rules. */
const policy = acmePolicy({
  contacts: [
    { id: "alice", name: "Alice", roles: ["point-of-contact"], email: "alice@acme.example" },
    { id: "carol", name: "Carol", roles: ["member"], email: "Carol@contractor.example" },
  ],
  team: {
    groups: [
      { id: "contractors", name: "Contractors", members: ["carol"] },
      { id: "core", name: "Core", members: ["alice"] },
    ],
  },
});
const carol = { id: "carol-user-id", email: "carol@contractor.example" };
const roles = (...entries: [string, Role][]) => new Map(entries);
const policyOf = (slug: string) => (slug === "acme" ? policy : undefined);

describe("roles limited to assigned cases", () => {
  it("names the member's own id and their team groups (matched by address) on a limited program", () => {
    const memberships: Membership[] = [
      { program: "acme", role: "responder", scope: "assigned" },
      { program: "globex", role: "viewer" },
    ];
    const limited = assignedOnlyPrograms(
      memberships,
      roles(["acme", "responder"], ["globex", "viewer"]),
      carol,
      policyOf,
    );
    expect([...limited]).toEqual([["acme", ["carol-user-id", "group:contractors"]]]);
  });

  it("is not limited under a role on every program, nor on a program the session may not use", () => {
    const limited: Membership = { program: "acme", role: "responder", scope: "assigned" };
    expect(
      assignedOnlyPrograms(
        [limited, { program: "*", role: "viewer" }],
        roles(["acme", "responder"]),
        carol,
        policyOf,
      ).size,
    ).toBe(0);
    expect(assignedOnlyPrograms([limited], roles(), carol, policyOf).size).toBe(0);
  });

  it("sees and works only the cases assigned to them; the rest is not found, as another program's", () => {
    const staff = {
      roles: roles(["acme", "responder"]),
      assignedOnly: new Map([["acme", ["carol-user-id", "group:contractors"]]]),
    };
    const status = (assignee: string | null, program = "acme") => {
      try {
        requireAccessToCase(staff, { program, assignee }, "work");
        return 200;
      } catch (error) {
        return error instanceof HttpError ? error.statusCode : 500;
      }
    };
    expect([status("carol-user-id"), status("group:contractors")]).toEqual([200, 200]);
    expect([status("bob"), status(null), status("group:core"), status("carol-user-id", "globex")]).toEqual([
      404, 404, 404, 404,
    ]);
    expect(canSeeCase(staff, { program: "acme", assignee: "group:contractors" })).toBe(true);
    // No program-wide right (advisories, problems, policy, metrics, exports).
    expect(canViewCase(staff, "acme")).toBe(false);
    expect(inboxReach(staff, ["acme", "globex"])).toEqual({
      programs: ["acme"],
      assignedOnly: { acme: ["carol-user-id", "group:contractors"] },
    });
  });
});
