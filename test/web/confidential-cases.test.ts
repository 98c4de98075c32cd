import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff, staffJson } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, postCaseForm, postCaseFormEntries, textOf } from "../support/workspace.js";

/**
 * A confidential case (issue 16): a responder marks it and names who may see it; for everyone
 * else, an administrator of every program included, it does not exist (404, not in the list, not
 * found by search) and they hear nothing of it. A named member lifts it again.
 */
const MAINTAINER = "mrtreinis@kafe.example";

describe.each(databases)("confidential cases on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });

  async function team() {
    const alice = await createStaff(t, { email: "alice@example.org", role: "responder", program: "kafe" });
    const bob = await createStaff(t, { email: "bob@example.org", role: "responder", program: "kafe" });
    const admin = await createStaff(t, { email: "root@example.org", role: "admin" });
    const report = await fileReport(t, "kafe", { title: "Quokka token leak in the admin page" });
    await jobs.drain();
    return { alice, bob, admin, report };
  }
  const listed = async (who: CreatedStaff, query = "") =>
    (
      (await staffJson(t, who, "GET", `/api/v1/cases?state=any${query}`)).json() as {
        cases: { id: string }[];
      }
    ).cases.map((c) => c.id);

  it("hides a confidential case from every member not named on it, administrators included, until it is lifted", async () => {
    const { alice, bob, admin, report } = await team();
    expect(await listed(bob)).toEqual([report.id]);

    const marked = await postCaseFormEntries(alice, report.id, "confidential", [
      ["confidential", "yes"],
      ["members", alice.userId],
    ]);
    expect(marked.statusCode).toBe(303);
    const page = await alice.browser.get(`/cases/${report.id}`);
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain("Only the members named here see this case");

    for (const outsider of [bob, admin]) {
      expect((await outsider.browser.get(`/cases/${report.id}`)).statusCode).toBe(404);
      expect((await staffJson(t, outsider, "GET", `/api/v1/cases/${report.id}`)).statusCode).toBe(404);
      expect(await listed(outsider)).toEqual([]);
      expect(await listed(outsider, "&q=quokka")).toEqual([]);
      expect(await listed(outsider, `&q=${encodeURIComponent(report.reference)}`)).toEqual([]);
      expect((await outsider.browser.get("/inbox?state=any")).body).not.toContain(report.id);
      // Nor can they change the list of a case they cannot see.
      const take = await staffJson(t, outsider, "POST", `/api/v1/cases/${report.id}/confidentiality`, {
        confidential: false,
      });
      expect(take.statusCode).toBe(404);
    }
    expect(await listed(alice, "&q=quokka")).toEqual([report.id]);
    // Counts too: the open cases of the metrics leave it out for those not named.
    const open = async (who: CreatedStaff) =>
      [...(await who.browser.get("/metrics")).body.matchAll(/^embargo_cases_open\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    expect([await open(alice), await open(bob)]).toEqual([1, 0]);

    // Naming someone who is no member of the program is refused.
    const stranger = await staffJson(t, alice, "POST", `/api/v1/cases/${report.id}/confidentiality`, {
      confidential: true,
      members: ["aaaaaaaaaaaaaaaa"],
    });
    expect(stranger.statusCode).toBe(400);

    // Named, bob sees it; lifted, everyone does again. Each change is an event on the case.
    const named = await staffJson(t, alice, "POST", `/api/v1/cases/${report.id}/confidentiality`, {
      confidential: true,
      members: [bob.userId],
    });
    expect(named.json()).toEqual({ changed: true });
    expect(await listed(bob)).toEqual([report.id]);
    expect(await listed(admin)).toEqual([]);
    const lifted = await staffJson(t, bob, "POST", `/api/v1/cases/${report.id}/confidentiality`, {
      confidential: false,
    });
    expect(lifted.json()).toEqual({ changed: true });
    expect(await listed(admin)).toEqual([report.id]);
    const detail = (await staffJson(t, admin, "GET", `/api/v1/cases/${report.id}`)).json() as {
      events: { type: string }[];
    };
    expect(detail.events.filter((e) => e.type === "case.confidentiality_changed")).toHaveLength(3);
  });

  it("tells only the named members of a confidential case, not its followers or the program's contacts", async () => {
    const { alice, bob, report } = await team();
    expect((await postCaseForm(bob, report.id, "follow", {})).statusCode).toBe(303);
    // Before: a note reaches the follower.
    sink.mails.length = 0;
    expect((await postCaseForm(alice, report.id, "note", { note: "First look." })).statusCode).toBe(303);
    await jobs.drain();
    expect(sink.to(bob.email).length).toBeGreaterThan(0);

    await postCaseFormEntries(alice, report.id, "confidential", [
      ["confidential", "yes"],
      ["members", alice.userId],
    ]);
    await jobs.drain();
    sink.mails.length = 0;
    expect((await postCaseForm(alice, report.id, "note", { note: "Secret detail." })).statusCode).toBe(303);
    await jobs.drain();
    expect(sink.to(bob.email)).toEqual([]);
    expect(sink.to(MAINTAINER)).toEqual([]);
    // The named member who wrote it is not told of their own doing: nobody at all hears of it.
    expect(sink.mails).toEqual([]);
  });

  it("leaves a confidential case out of the likely duplicates shown beside another case to those not named", async () => {
    const { alice, bob, report } = await team();
    const twin = await fileReport(t, "kafe", { title: "Quokka token leak in the admin page, again" });
    await postCaseFormEntries(alice, report.id, "confidential", [
      ["confidential", "yes"],
      ["members", alice.userId],
    ]);
    const duplicates = async (who: CreatedStaff) =>
      (
        (await staffJson(t, who, "GET", `/api/v1/cases/${twin.id}`)).json() as {
          duplicates: { id: string }[];
        }
      ).duplicates.map((d) => d.id);
    expect(await duplicates(alice)).toEqual([report.id]);
    expect(await duplicates(bob)).toEqual([]);
    const page = await bob.browser.get(`/cases/${twin.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(report.id);
    expect(textOf(page.body)).toContain("No similar case in this program");
  });

  it("leaves a confidential case out of its problem's linked cases and counts for those not named", async () => {
    const markus = await createStaff(t, {
      email: "markus@example.org",
      role: "responder",
      program: "rocketchat",
    });
    const rodrigo = await createStaff(t, {
      email: "rodrigo@example.org",
      role: "responder",
      program: "rocketchat",
    });
    const first = await fileReport(t, "rocketchat", { title: "Sessions survive a logout" });
    const second = await fileReport(t, "rocketchat", { title: "Wombat sessions survive again" });
    await postCaseForm(markus, first.id, "problem-open", {
      "problem-title": "Sessions outlive their logout",
      "problem-root-cause": "The resume token is not revoked.",
    });
    await postCaseForm(markus, second.id, "problem-link", { problem: "P-1" });
    await postCaseFormEntries(markus, second.id, "confidential", [
      ["confidential", "yes"],
      ["members", markus.userId],
    ]);
    const linked = async (who: CreatedStaff) =>
      (
        (await staffJson(t, who, "GET", "/api/v1/problems/rocketchat/1")).json() as {
          cases: { id: string }[];
        }
      ).cases.map((c) => c.id);
    expect((await linked(markus)).sort()).toEqual([first.id, second.id].sort());
    expect(await linked(rodrigo)).toEqual([first.id]);
    const page = textOf((await rodrigo.browser.get("/problems/rocketchat/1")).body);
    expect(page).toContain("Sessions survive a logout");
    expect(page).not.toContain("Wombat");
    expect(textOf((await rodrigo.browser.get("/problems/rocketchat")).body)).toContain("1 case");
  });
});
