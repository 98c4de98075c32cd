import { describe, expect, it } from "vitest";
import type { Role } from "../auth/staff.js";
import { HttpError } from "./errors.js";
import {
  canAdmin,
  canManageAccount,
  canRemoveMembership,
  canSeeMember,
  canViewCase,
  canWorkCase,
  requireCaseAccess,
  viewablePrograms,
} from "./permissions.js";

const who = (...roles: [string, Role][]) => ({ roles: new Map(roles) });

describe("who may do what with a case", () => {
  it("reads for viewers, works for responders, administers for admins, per program", () => {
    const viewer = who(["kafe", "viewer"]);
    const responder = who(["kafe", "responder"]);
    const admin = who(["kafe", "admin"]);
    expect([canViewCase(viewer, "kafe"), canWorkCase(viewer, "kafe"), canAdmin(viewer, "kafe")]).toEqual([
      true,
      false,
      false,
    ]);
    expect([
      canViewCase(responder, "kafe"),
      canWorkCase(responder, "kafe"),
      canAdmin(responder, "kafe"),
    ]).toEqual([true, true, false]);
    expect([canViewCase(admin, "kafe"), canWorkCase(admin, "kafe"), canAdmin(admin, "kafe")]).toEqual([
      true,
      true,
      true,
    ]);
    expect(canViewCase(admin, "kitsu")).toBe(false);
  });

  it("takes the higher of a program's role and an every-program role", () => {
    const staff = who(["*", "viewer"], ["kafe", "responder"]);
    expect(canWorkCase(staff, "kafe")).toBe(true);
    expect(canWorkCase(staff, "kitsu")).toBe(false);
    expect(viewablePrograms(staff, ["kafe", "kitsu"])).toEqual(["kafe", "kitsu"]);
    expect(viewablePrograms(who(["kafe", "viewer"]), ["kafe", "kitsu"])).toEqual(["kafe"]);
  });

  it("answers 404 to those who may not see a case, 403 to those who may only read it", () => {
    const status = (fn: () => unknown) => {
      try {
        fn();
        return 200;
      } catch (error) {
        return error instanceof HttpError ? error.statusCode : 500;
      }
    };
    const viewer = who(["kafe", "viewer"]);
    expect(status(() => requireCaseAccess(viewer, "kafe", "view"))).toBe(200);
    expect(status(() => requireCaseAccess(viewer, "kafe", "work"))).toBe(403);
    expect(status(() => requireCaseAccess(viewer, "kitsu", "view"))).toBe(404);
    expect(status(() => requireCaseAccess(viewer, "kitsu", "work"))).toBe(404);
    expect(status(() => requireCaseAccess(viewer, undefined, "view"))).toBe(404);
  });

  it("lets an administrator act on a member only within the programs they administer", () => {
    const kafeAdmin = who(["kafe", "admin"]);
    const everyAdmin = who(["*", "admin"]);
    const kafeOnly = [{ program: "kafe" }];
    const kafeAndKitsu = [{ program: "kafe" }, { program: "kitsu" }];
    expect([canSeeMember(kafeAdmin, kafeOnly), canManageAccount(kafeAdmin, kafeOnly)]).toEqual([true, true]);
    expect([canSeeMember(kafeAdmin, kafeAndKitsu), canManageAccount(kafeAdmin, kafeAndKitsu)]).toEqual([
      true,
      false,
    ]);
    expect(canSeeMember(kafeAdmin, [{ program: "kitsu" }])).toBe(false);
    expect(canManageAccount(kafeAdmin, [{ program: "*" }])).toBe(false);
    // A member with no role left: only an administrator of every program still sees them.
    expect([
      canSeeMember(kafeAdmin, []),
      canSeeMember(everyAdmin, []),
      canManageAccount(everyAdmin, []),
    ]).toEqual([false, true, true]);
    expect([canRemoveMembership(kafeAdmin, "kafe"), canRemoveMembership(kafeAdmin, "*")]).toEqual([
      true,
      false,
    ]);
    expect(canSeeMember(who(["kafe", "responder"]), kafeOnly)).toBe(false);
  });
});
