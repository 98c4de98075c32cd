import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { advance, createApiToken, fileReport, postCaseForm, textOf } from "../support/workspace.js";

/** Watching the program: Prometheus text, the metrics page, and failed deliveries with a retry. */
describe.each(databases)("metrics and deliveries on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });

  it("serves Prometheus text for the token's program only, with no sensitive labels", async () => {
    t.clock.set(new Date("2026-12-01T10:00:00Z"));
    const first = await fileReport(t, "kitsu", {
      title: "Secret title one",
      contact: { email: "ada@example.org" },
    });
    await fileReport(t, "kitsu", { title: "Secret title two" });
    await fileReport(t, "kafe", { title: "Kafe secret" });
    advance(t, 2);
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
    expect((await postCaseForm(admin, first.id, "acknowledge", {})).headers.location).toMatch(/notice=/);

    const anonymous = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(anonymous.statusCode).toBe(401);

    const token = await createApiToken(admin, "kitsu", "viewer");
    const response = await t.app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("text/plain; version=0.0.4");
    const text = response.body;
    expect(text).toContain('embargo_time_to_acknowledge_hours{program="kitsu",quantile="0.5"} 2\n');
    expect(text).toContain('embargo_time_to_acknowledge_hours_count{program="kitsu"} 1\n');
    expect(text).toContain('embargo_cases_open{program="kitsu",severity="unrated"} 2\n');
    expect(text).toContain('embargo_clocks_running{clock="acknowledge",program="kitsu",state="running"} 1\n');
    expect(text).toContain('embargo_clock_outcomes{clock="acknowledge",outcome="met",program="kitsu"} 1\n');
    expect(text).toMatch(/^embargo_timers_due \d+$/m);
    expect(text).not.toContain("kafe");
    for (const secret of ["Secret title", "ada@example.org", first.id]) expect(text).not.toContain(secret);
  });

  it("draws the metrics page as SVG for the programs one may see", async () => {
    t.clock.set(new Date("2026-12-01T10:00:00Z"));
    await fileReport(t, "kitsu", { title: "Secret title" });
    await fileReport(t, "kafe");
    const viewer = await createStaff(t, { email: "viewer@example.org", role: "viewer", program: "kitsu" });
    const page = await viewer.browser.get("/dashboard");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('role="img"');
    expect(page.body).toContain("<svg");
    expect(page.body).not.toContain("style=");
    expect(page.body).not.toContain("Secret title");
    const text = textOf(page.body);
    expect(text).toContain("Kitsu");
    expect(text).not.toContain("Kafe");
    expect(text).toContain("Share of clocks kept");
    expect((await viewer.browser.get("/dashboard?bucket=month")).statusCode).toBe(200);
    expect((await viewer.browser.get("/dashboard?bucket=year")).statusCode).toBe(400);
  });

  it("lists a delivery that gave up for the program's administrators, and sends it again on retry", async () => {
    t.clock.set(new Date("2026-12-01T10:00:00Z"));
    sink.reject("nuck@kitsu.example", 550);
    const report = await fileReport(t, "kitsu");
    await jobs.drain();
    expect(sink.mails).toHaveLength(0);

    const admin = await createStaff(t, { email: "admin@example.org", role: "admin", program: "kitsu" });
    const responder = await createStaff(t, {
      email: "responder@example.org",
      role: "responder",
      program: "kitsu",
    });
    expect((await responder.browser.get("/admin/deliveries")).statusCode).toBe(403);
    const page = await admin.browser.get("/admin/deliveries");
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain("case.received");
    expect(text).toContain("gave up after 1 attempts");
    expect(text).toMatch(/550/);
    expect(text).not.toContain("nuck@kitsu.example"); // where and why, never the address or the words
    expect(page.body).toContain(`href="/cases/${report.id}"`);

    sink.accept("nuck@kitsu.example");
    const id = /action="\/admin\/deliveries\/([^/]+)\/retry"/.exec(page.body)?.[1];
    expect(id).toBeDefined();
    const retried = await admin.browser.post(`/admin/deliveries/${id}/retry`, {});
    expect(retried.headers.location).toBe("/admin/deliveries?notice=retried");
    await jobs.drain();
    expect(sink.to("nuck@kitsu.example")).toHaveLength(1);
    expect(textOf((await admin.browser.get("/admin/deliveries")).body)).toContain(
      "Every notification was delivered.",
    );

    // Another program's administrator cannot see or retry it.
    const other = await createStaff(t, { email: "other@example.org", role: "admin", program: "kafe" });
    expect((await other.browser.post(`/admin/deliveries/${id}/retry`, {})).statusCode).toBe(404);
  });
});
