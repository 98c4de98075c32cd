import type { LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { draftAdvisory } from "../support/advisories.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff, staffJson, userIdOf } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * The policy's `disclosure.advisories.secondApproval` (issue 13: "Publishing needs a second team
 * member's approval when the policy asks for it"), through the staff pages and the JSON API.
 * Acme (test/fixtures/policies/advisories/acme.yaml) sets it to false: one member publishes alone,
 * and the page offers Publish at once. Acme Labs says nothing: the safe default, a second member
 * approves first.
 */
const T0 = new Date("2026-12-10T10:00:00Z");
const POLICIES = "test/fixtures/policies/advisories";
const DRAFT = {
  title: "Session fixation in the Acme app",
  summary: "A session id set before sign-in was kept after it.",
};

describe.each(databases)("an advisory's second approval on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(database.open, {}, { policies: POLICIES });
    t.clock.set(T0);
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (who: CreatedStaff, method: "POST" | "PATCH", url: string, body: unknown) =>
    staffJson(t, who, method, url, body);
  const ok = (response: LightMyRequestResponse, status = 200) => {
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  };
  const userId = (who: CreatedStaff) => userIdOf(t, who);
  const revisionsOf = (advisoryId: string) =>
    t.store.db
      .selectFrom("advisory_revisions")
      .select(["number", "approved_by", "published_by"])
      .where("advisory_id", "=", advisoryId)
      .orderBy("number")
      .execute();

  it("lets one Acme member publish alone where secondApproval is false: the page offers Publish at once, and the revision names them as its approver", async () => {
    const alice = await createStaff(t, { email: "alice@acme.example", role: "responder", program: "acme" });
    const bob = await createStaff(t, { email: "bob@acme.example", role: "responder", program: "acme" });

    // Created from the list page's button: the notice says what comes next here.
    await alice.browser.get("/advisories/acme");
    const created = await alice.browser.post("/advisories/acme", {});
    expect(created.statusCode).toBe(303);
    const id = /^\/advisories\/acme\/([a-z2-7]{16})\?notice=created$/.exec(
      String(created.headers.location),
    )?.[1];
    if (id === undefined) throw new Error(`no advisory in ${created.headers.location}`);
    expect(textOf((await alice.browser.get(String(created.headers.location))).body)).toContain(
      "Advisory created. Edit its draft, then publish it.",
    );
    ok(await api(alice, "PATCH", `/api/v1/advisories/${id}`, { version: 1, ...DRAFT }));

    // The page offers Publish, no approval; approving one's own draft is still refused.
    const page = textOf((await alice.browser.get(`/advisories/acme/${id}`)).body);
    expect(page).toContain("The program's policy asks for no second approval");
    expect(page).toContain("not needed: the program's policy asks for none");
    expect(page).toContain("Publish as revision 1");
    expect(page).not.toContain("Approve version");
    const own = await api(alice, "POST", `/api/v1/advisories/${id}/approval`, { version: 2 });
    expect(own.statusCode).toBe(409);
    expect(own.json().message).toContain("needs no second approval: publish it");

    // Alice publishes alone through the page's button; the public page shows it.
    const published = await alice.browser.post(`/advisories/acme/${id}/publish`, { version: "2" });
    expect(published.statusCode, published.body).toBe(303);
    expect(published.headers.location).toBe(`/advisories/acme/${id}?notice=published`);
    expect((await t.app.inject({ url: "/p/acme/advisories/EMBARGO-ACME-2026-0001" })).statusCode).toBe(200);
    // How the team reviews is its own business: the public policy page says nothing of it.
    const policyPage = await t.app.inject({ url: "/p/acme" });
    expect(policyPage.statusCode).toBe(200);
    expect(textOf(policyPage.body)).not.toMatch(/approv/i);

    // A correction, through the API: alone too.
    ok(
      await api(alice, "PATCH", `/api/v1/advisories/${id}`, {
        version: 2,
        revisionSummary: "Names the fixed release.",
      }),
    );
    expect(
      ok(await api(alice, "POST", `/api/v1/advisories/${id}/publication`, { version: 3 }), 201),
    ).toMatchObject({ revision: 2, trackingId: "EMBARGO-ACME-2026-0001" });
    const a = await userId(alice);
    expect(await revisionsOf(id)).toEqual([
      { number: 1, approved_by: a, published_by: a },
      { number: 2, approved_by: a, published_by: a },
    ]);
    const log = await t.store.db
      .selectFrom("security_log")
      .select("type")
      .where("type", "like", "advisory.%")
      .orderBy("seq")
      .execute();
    expect(log.map((entry) => entry.type)).toEqual([
      "advisory.created",
      "advisory.edited",
      "advisory.published",
      "advisory.edited",
      "advisory.published",
    ]);

    // Another member may still approve a draft (a review someone asked for); the revision names them.
    const reviewed = await draftAdvisory(t, "acme", alice, { ...DRAFT, title: "A reviewed fix" });
    ok(await api(bob, "POST", `/api/v1/advisories/${reviewed}/approval`, { version: 2 }));
    ok(await api(alice, "POST", `/api/v1/advisories/${reviewed}/publication`, { version: 2 }), 201);
    expect(await revisionsOf(reviewed)).toEqual([
      { number: 1, approved_by: await userId(bob), published_by: a },
    ]);
  });

  it("asks a second Acme Labs member's approval where the policy says nothing: self-approval and an unapproved publication are refused", async () => {
    const alice = await createStaff(t, {
      email: "alice@labs.acme.example",
      role: "responder",
      program: "acme-labs",
    });
    const bob = await createStaff(t, {
      email: "bob@labs.acme.example",
      role: "responder",
      program: "acme-labs",
    });
    const id = await draftAdvisory(t, "acme-labs", alice, DRAFT);

    const page = textOf((await alice.browser.get(`/advisories/acme-labs/${id}`)).body);
    expect(page).toContain("Another member of the team than the one who last changed the draft approves it");
    expect(page).toContain("Approve version 2");
    expect(page).not.toContain("Publish as revision");
    const own = await api(alice, "POST", `/api/v1/advisories/${id}/approval`, { version: 2 });
    expect(own.statusCode).toBe(409);
    expect(own.json().message).toContain("another member of the team must approve it");
    const alone = await api(alice, "POST", `/api/v1/advisories/${id}/publication`, { version: 2 });
    expect(alone.statusCode).toBe(409);
    expect(alone.json().message).toContain("The draft is not approved");
    await alice.browser.get(`/advisories/acme-labs/${id}`);
    const aloneForm = await alice.browser.post(`/advisories/acme-labs/${id}/publish`, { version: "2" });
    expect(aloneForm.statusCode).toBe(409);
    expect(await revisionsOf(id)).toEqual([]);

    ok(await api(bob, "POST", `/api/v1/advisories/${id}/approval`, { version: 2 }));
    expect(textOf((await alice.browser.get(`/advisories/acme-labs/${id}`)).body)).toContain(
      "Publish as revision 1",
    );
    ok(await api(alice, "POST", `/api/v1/advisories/${id}/publication`, { version: 2 }), 201);
    expect(await revisionsOf(id)).toEqual([
      { number: 1, approved_by: await userId(bob), published_by: await userId(alice) },
    ]);
  });
});
