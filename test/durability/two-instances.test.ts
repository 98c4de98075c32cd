import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSetupLink, createUser } from "../../src/auth/users.js";
import { openDatabase, type Store } from "../../src/store/database.js";
import { solvePowChallenge } from "../../src/web/pow/solver.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { type Answer, FetchBrowser } from "../support/fetch-browser.js";
import { type RoundRobinProxy, startRoundRobinProxy } from "../support/round-robin-proxy.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

/**
 * Two real `embargo serve` processes on one PostgreSQL database, behind a round-robin balancer
 * without stickiness: every request of a flow lands on the other instance than the one before.
 * Whatever one instance keeps in its own memory (sessions, CSRF secrets, used proof-of-work
 * solutions, limits, timers, mail) would show here as a refusal or a double.
 *
 * PostgreSQL only: SQLite is one process by design (one writer, one file), so there is no
 * second instance to share with.
 */
const postgres = databases.some((d) => d.name === "postgres");

/** Each instance has its own data folder (`dataDir`): only the settings below are shared. */
function instanceEnv(
  databaseUrl: string,
  secretKey: string,
  smtpUrl: string,
  dataDir: string,
): NodeJS.ProcessEnv {
  return {
    EMBARGO_DATABASE_URL: databaseUrl,
    EMBARGO_DATA_DIR: dataDir,
    EMBARGO_SECRET_KEY: secretKey,
    EMBARGO_POLICIES: "examples/policies",
    EMBARGO_PUBLIC_URL: "https://embargo.test",
    EMBARGO_TRUST_PROXY: "127.0.0.1",
    EMBARGO_SMTP_URL: smtpUrl,
    EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: "2",
  };
}

const REPORT = { "fields.location-impact": "the order page", "fields.steps": "open it twice" };

describe.runIf(postgres)("two instances behind a round-robin balancer (PostgreSQL)", () => {
  let servers: ServerProcess[] = [];
  let proxy: RoundRobinProxy;
  let sink: SmtpSink;
  let dropDatabase = async () => {};
  const dataDirs: string[] = [];
  /** The shared database, as the test looks underneath (and adds a member, as `embargo user add`). */
  let store: Store;

  beforeAll(async () => {
    const database = await createScratchPostgresDatabase();
    dropDatabase = database.drop;
    sink = await startSmtpSink();
    const secretKey = randomBytes(32).toString("base64");
    // Started together: both migrate the empty database at once, as a rolling start would.
    servers = await Promise.all(
      [0, 1].map(() => {
        const dataDir = mkdtempSync(join(tmpdir(), "embargo-two-"));
        dataDirs.push(dataDir);
        return startServerProcess(instanceEnv(database.url, secretKey, sink.url, dataDir));
      }),
    );
    proxy = await startRoundRobinProxy(servers.map((s) => s.url));
    store = await openDatabase(database.url, { poolSize: 2 });
  }, 90_000); // two tsx starts and migrations: seconds each, more on a busy machine

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(servers.map((s) => s.stop()));
    await sink?.close();
    await store?.close();
    await dropDatabase();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The instance that answered the last request through the balancer. */
  const lastInstance = () => proxy.served.at(-1);
  /**
   * Sends through the balancer and returns the answer with the instance that gave it; with
   * `status`, another status fails the test with the instances' logged failures (kind and stack).
   */
  async function on<T extends Answer>(
    send: Promise<T>,
    status?: number,
  ): Promise<T & { instance: number | undefined }> {
    const answer = await send;
    if (status !== undefined && answer.status !== status) {
      const failures = servers
        .flatMap((s) => s.output().split("\n"))
        .filter((l) => /"level":(50|60)/.test(l));
      throw new Error(`expected ${status}, got ${answer.status}; logged failures:\n${failures.join("\n")}`);
    }
    return { ...answer, instance: lastInstance() };
  }

  async function solvedPow(client: FetchBrowser): Promise<{ pow: string; instance: number | undefined }> {
    const challenge = await on(client.get("/api/v1/pow/challenge"));
    return { pow: await solvePowChallenge(JSON.parse(challenge.body)), instance: challenge.instance };
  }

  it("carries a reporter and a team member through a case, each request on the other instance", async () => {
    const start = proxy.served.length;
    const reporter = new FetchBrowser(proxy.url, "203.0.113.10");
    const title = `two-instances-${Date.now()}`;
    const { pow } = await solvedPow(reporter);
    const form = await on(reporter.get("/p/kafe/report"), 200);
    // The CSRF cookie and token came from the form's instance; the post lands on the other.
    const sent = await on(
      reporter.post("/p/kafe/report", { title, ...REPORT, pow, "contact.email": "ada@reporter.example" }),
      303,
    );
    expect(sent.instance).not.toBe(form.instance);
    const token = /^\/r\/([^/]+)\/receipt$/.exec(sent.headers.get("location") ?? "")?.[1] ?? "";
    expect(token).not.toBe("");
    expect((await reporter.get(`/r/${token}`)).body).toContain(title);
    await on(reporter.post(`/r/${token}/messages`, { message: "one more detail" }), 303);
    expect((await reporter.get(`/r/${token}`)).body).toContain("one more detail");

    // A member made as `embargo user add` would, then the real setup and sign-in pages.
    const email = "responder@kafe.example";
    const password = "correct horse battery staple two";
    const { userId } = await createUser(store, {
      email,
      memberships: [{ program: "kafe", role: "responder" }],
      actor: "test",
      now: new Date(),
    });
    const { token: setupToken } = await createSetupLink(store, userId, { now: new Date(), actor: "test" });
    const member = new FetchBrowser(proxy.url);
    await on(member.get(`/setup/${setupToken}`), 200);
    const setup = await member.post(`/setup/${setupToken}`, { password, password2: password, code: "" });
    expect(setup.status).toBe(200);
    const loginPage = await on(member.get("/login"));
    const signedIn = await on(member.post("/login", { email, password }), 303);
    expect(signedIn.instance).not.toBe(loginPage.instance);
    const sessionCookie = member.setCookies.find((line) => line.startsWith("embargo-session="));
    expect(sessionCookie).toMatch(/;\s*Secure/i); // EMBARGO_PUBLIC_URL is https: the balancer ends TLS
    // The session was made on one instance; the inbox is read on the other.
    const inbox = await on(member.get("/inbox"), 200);
    expect(inbox.instance).not.toBe(signedIn.instance);
    expect(inbox.body).toContain(title);
    const caseId = /href="\/cases\/([^"/?#]+)"/.exec(inbox.body)?.[1] ?? "";
    expect(caseId).not.toBe("");
    expect((await member.get(`/cases/${caseId}`)).body).toContain("one more detail");
    await on(member.post(`/cases/${caseId}/acknowledge`, {}), 303);
    await on(member.post(`/cases/${caseId}/reply`, { reply: "thanks, we see it" }), 303);
    const page = await member.get(`/cases/${caseId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("thanks, we see it");

    // Strict alternation: no two requests in a row on the same instance.
    const flow = proxy.served.slice(start);
    expect(flow.every((instance, i) => i === 0 || instance !== flow[i - 1])).toBe(true);
    expect(new Set(flow)).toEqual(new Set([0, 1]));

    // Mail and timers: both instances run the job runner (EMBARGO_WORKER defaults to on; a
    // layout with web-only instances sets it off on them). The case's timer queues the notices
    // and the delivery worker sends them: each notice is queued once and sent once.
    const emailOutbox = () =>
      store.db.selectFrom("outbox").select(["status", "last_error"]).where("channel", "=", "email").execute();
    const replied = () =>
      sink.to("ada@reporter.example").some((mail) => mail.text.includes("The team replied to your report."));
    const until = Date.now() + 25_000;
    let outbox = await emailOutbox();
    while (!replied() || outbox.some((row) => row.status === "pending")) {
      if (Date.now() > until)
        throw new Error(
          `mail not all sent: ${JSON.stringify({ outbox, mails: sink.mails.map((m) => [m.to, m.subject, m.text.slice(0, 300)]) })}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
      outbox = await emailOutbox();
    }
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // two more ticks of both runners
    outbox = await emailOutbox();
    expect(outbox.map((row) => row.status)).not.toContain("failed");
    const ids = sink.mails.map((mail) => mail.header("message-id"));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(outbox.length);
  }, 40_000);

  it("refuses on one instance a proof-of-work solution already used on the other", async () => {
    const sender = new FetchBrowser(proxy.url, "203.0.113.20");
    const report = { title: "replayed work", fields: { "location-impact": "here", steps: "there" } };
    // The two reports a sender without proof-of-work may send this hour (the setting is 2).
    for (let i = 0; i < 2; i++) await on(sender.postJson("/api/v1/programs/kafe/reports", report), 201);
    const { pow } = await solvedPow(sender);
    const first = await on(sender.postJson("/api/v1/programs/kafe/reports", { ...report, pow }), 201);
    // The same solution again, on the other instance: not solved work, and none is left without.
    const replayed = await on(sender.postJson("/api/v1/programs/kafe/reports", { ...report, pow }));
    expect(replayed.instance).not.toBe(first.instance);
    expect(replayed.status).toBe(429);
  });

  it("counts a sender's reports on both instances against one limit", async () => {
    const sender = new FetchBrowser(proxy.url, "203.0.113.30");
    const report = { title: "one of many", fields: { "location-impact": "here", steps: "there" } };
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await on(sender.postJson("/api/v1/programs/kafe/reports", report)));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 429]);
    // The refusal came from an instance that had itself taken only one of the two.
    expect(answers[2]?.instance).toBe(answers[0]?.instance);
    expect(answers[1]?.instance).not.toBe(answers[0]?.instance);
  });
});
