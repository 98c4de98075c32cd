import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSecurityLog, verifySecurityLog } from "../../src/auth/security-log.js";
import { createUser, setRole } from "../../src/auth/users.js";
import { databases } from "../support/databases.js";
import { Browser, type CreatedStaff, createStaff, signIn } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";

/**
 * The members page (/admin/members) through HTTP: what an administrator sees, and each action
 * followed by what the member still holds (session cookie, API token, password), refused at once.
 */
describe.each(databases)("the members page on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(() => database.open());
  });
  afterEach(async () => {
    await t.close();
  });

  const me = (headers: Record<string, string>) => t.app.inject({ method: "GET", url: "/api/v1/me", headers });
  const idOf = async (email: string) =>
    (await t.store.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow())
      .id;
  async function createToken(staff: CreatedStaff, program: string): Promise<string> {
    await staff.browser.get("/account/tokens");
    const response = await staff.browser.post("/account/tokens", { name: "sync", program, role: "viewer" });
    const token = /id="new-token">([^<]+)</.exec(response.body)?.[1];
    if (token === undefined) throw new Error(`no token: ${response.statusCode}`);
    return token;
  }
  /** Posts a member action from the members page (with its CSRF token). */
  async function act(
    admin: CreatedStaff,
    memberId: string,
    action: string,
    fields: Record<string, string> = {},
  ) {
    await admin.browser.get("/admin/members");
    return admin.browser.post(`/admin/members/${memberId}/${action}`, fields);
  }
  async function kafeCaseAssignedTo(admin: CreatedStaff, userId: string): Promise<string> {
    const report = await t.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ title: "Session fixation", fields: { "location-impact": "x", steps: "y" } }),
    });
    const caseId = (report.json() as { id: string }).id;
    await admin.browser.get(`/cases/${caseId}`);
    await admin.browser.post(`/cases/${caseId}/assign`, { assignee: userId });
    return caseId;
  }

  it("lets an administrator of every program disable, enable, revoke and remove, effective at once", async () => {
    const root = await createStaff(t, { email: "root@example.org", role: "admin" });
    const eva = await createStaff(t, { email: "eva@kafe.example", role: "admin", program: "kafe" });
    const [rootId, evaId] = [await idOf(root.email), await idOf(eva.email)];
    const token = await createToken(eva, "kafe");

    const page = await root.browser.get("/admin/members");
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    const start = page.body.indexOf(`id="member-${evaId}"`);
    const row = page.body.slice(start, page.body.indexOf("</tr>", start));
    expect(row).toMatch(/eva@kafe\.example<\/th><td><ul class="plain"><li>Admin on Kafe/);
    expect(row).toContain("Active");
    expect(row).toContain(`<time datetime="${t.clock.now().toISOString()}">`);
    expect(row).toMatch(/<td>1<\/td>/);
    expect(page.body).toContain("root@example.org (you)");

    const disabled = await act(root, evaId, "disable");
    expect(disabled.statusCode).toBe(303);
    expect(disabled.headers.location).toBe(`/admin/members?done=disabled&member=${evaId}`);
    expect((await me({ cookie: eva.cookie })).statusCode).toBe(401);
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(401);
    expect(
      (await signIn(t, new Browser(t.app), { email: eva.email, password: eva.password })).statusCode,
    ).toBe(401);
    const notice = await root.browser.get(disabled.headers.location ?? "");
    expect(notice.body).toContain("eva@kafe.example disabled: their sessions ended");
    expect(notice.body).toContain("Disabled");

    expect((await act(root, evaId, "enable")).statusCode).toBe(303);
    expect((await signIn(t, eva.browser, { email: eva.email, password: eva.password })).statusCode).toBe(303);
    const second = await createToken(eva, "kafe");
    expect((await act(root, evaId, "revoke-tokens")).statusCode).toBe(303);
    expect((await me({ authorization: `Bearer ${second}` })).statusCode).toBe(401);
    expect((await me({ cookie: eva.browser.cookieHeader() })).statusCode).toBe(200);

    // Removing her only role: her kafe case goes back to nobody, by the administrator's hand.
    const caseId = await kafeCaseAssignedTo(root, evaId);
    const removedRole = await act(root, evaId, "memberships/remove", { program: "kafe" });
    expect(removedRole.statusCode).toBe(303);
    expect((await me({ cookie: eva.browser.cookieHeader() })).json()).toMatchObject({ roles: [] });
    const caseRow = await t.store.db
      .selectFrom("cases")
      .select("assignee")
      .where("id", "=", caseId)
      .executeTakeFirstOrThrow();
    expect(caseRow.assignee).toBeNull();
    const lastEvent = await t.store.db
      .selectFrom("case_events")
      .select(["type", "actor"])
      .where("case_id", "=", caseId)
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    expect(lastEvent).toEqual({ type: "case.assigned", actor: `team:${rootId}` });

    const unconfirmed = await act(root, evaId, "remove");
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.body).toContain("Tick the box to confirm");
    expect((await act(root, evaId, "remove", { confirm: "yes" })).statusCode).toBe(303);
    expect((await me({ cookie: eva.browser.cookieHeader() })).statusCode).toBe(401);
    expect(
      (await signIn(t, new Browser(t.app), { email: eva.email, password: eva.password })).statusCode,
    ).toBe(401);
    expect((await root.browser.get("/admin/members")).body).toContain("Removed");

    const log = await readSecurityLog(t.store, { subject: evaId, order: "asc" });
    const byRoot = log.filter((entry) => entry.actor === `user:${rootId}`).map((entry) => entry.type);
    expect(byRoot).toEqual([
      "user.disabled",
      "api-token.revoked",
      "user.enabled",
      "api-token.revoked",
      "user.membership-removed",
      "user.cases-released",
      "user.removed",
    ]);
    expect((await verifySecurityLog(t.store)).ok).toBe(true);
  });

  it("shows a member a provider made as signing in by single sign-on, not pending, and counts passkeys", async () => {
    const root = await createStaff(t, { email: "root@example.org", role: "admin" });
    const now = t.clock.now();
    const kafe = [{ program: "kafe", role: "responder" as const }];
    const sso = await createUser(t.store, {
      email: "sso@kafe.example",
      memberships: kafe,
      actor: "test",
      now,
    });
    // As src/commands/sso-sign-in.ts provisions: no password, the roles from the provider's groups.
    await t.store.db
      .insertInto("sso_grants")
      .values({
        user_id: sso.userId,
        program: "kafe",
        provider: "corp",
        role: "responder",
        granted_at: now.toISOString(),
      })
      .execute();
    const waiting = await createUser(t.store, {
      email: "new@kafe.example",
      memberships: kafe,
      actor: "test",
      now,
    });
    const pia = await createStaff(t, { email: "pia@kafe.example", role: "responder", program: "kafe" });
    const piaId = await idOf(pia.email);
    for (const name of ["Laptop", "Blue key"]) {
      await t.store.db
        .insertInto("webauthn_credentials")
        .values({
          id: `credential-${name}`,
          user_id: piaId,
          public_key: "-",
          counter: 0,
          transports: "[]",
          name,
          created_at: now.toISOString(),
          last_used_at: null,
        })
        .execute();
    }
    const page = await root.browser.get("/admin/members");
    const statusOf = (id: string) => {
      const row = new RegExp(`<tr id="member-${id}">([\\s\\S]*?)</tr>`).exec(page.body)?.[1] ?? "";
      return [...row.matchAll(/<td>([^<]*)<\/td>/g)]
        .map((cell) => cell[1])
        .find((text) => /[a-z]/i.test(text ?? ""));
    };
    expect(statusOf(sso.userId)).toBe("Single sign-on");
    expect(statusOf(waiting.userId)).toBe("Has not set a password yet");
    expect(statusOf(piaId)).toBe("Active, 2 passkeys");
  });

  it("lets a program's administrator act only within the programs they administer", async () => {
    const kim = await createStaff(t, { email: "kim@kafe.example", role: "admin", program: "kafe" });
    const lou = await createStaff(t, { email: "lou@kafe.example", role: "responder", program: "kafe" });
    await setRole(t.store, {
      email: lou.email,
      program: "kitsu",
      role: "viewer",
      actor: "test",
      now: t.clock.now(),
    });
    const max = await createStaff(t, { email: "max@kitsu.example", role: "responder", program: "kitsu" });
    const [kimId, louId, maxId] = [await idOf(kim.email), await idOf(lou.email), await idOf(max.email)];

    const page = await kim.browser.get("/admin/members");
    expect(page.body).toContain("lou@kafe.example");
    expect(page.body).not.toContain("max@kitsu.example");

    // Lou also has a role on Kitsu, which Kim does not administer.
    expect((await act(kim, louId, "disable")).statusCode).toBe(403);
    expect((await act(kim, louId, "memberships/remove", { program: "kitsu" })).statusCode).toBe(403);
    expect((await act(kim, maxId, "disable")).statusCode).toBe(404);
    expect((await act(kim, kimId, "memberships/remove", { program: "kafe" })).statusCode).toBe(409);
    expect((await me({ cookie: lou.cookie })).statusCode).toBe(200);

    const removed = await act(kim, louId, "memberships/remove", { program: "kafe" });
    expect(removed.statusCode).toBe(303);
    expect((await me({ cookie: lou.cookie })).json()).toMatchObject({
      roles: [{ program: "kitsu", role: "viewer" }],
    });
    // No longer on a program Kim administers: Lou is not listed, nor named.
    const after = await kim.browser.get(removed.headers.location ?? "");
    expect(after.body).not.toContain("lou@kafe.example");
    expect(after.body).toContain("The member role removed");

    // A member who is not an administrator: the page is forbidden, members do not exist.
    expect((await max.browser.get("/admin/members")).statusCode).toBe(403);
    await max.browser.get("/inbox");
    expect((await max.browser.post(`/admin/members/${kimId}/disable`, {})).statusCode).toBe(404);
    // Without the form's CSRF token, nothing happens.
    const forged = await t.app.inject({
      method: "POST",
      url: `/admin/members/${louId}/disable`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: kim.cookie },
      payload: "",
    });
    expect(forged.statusCode).toBe(403);
    expect((await me({ cookie: lou.cookie })).statusCode).toBe(200);
  });
});
