import nodemailer from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { type MailListener, startMailListener } from "../support/mail.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * The per-program hourly mail cap made visible (issue 17), through the real doors: real SMTP
 * until the cap refuses, then the Prometheus counter, the line on the staff mail page, and one
 * warning in the log per program and hour, naming the program and the cap and no sender.
 */
const PROGRAM_ADDRESS = "nuck@kitsu.example";
const CAP = 2;
const LOG_MESSAGE = "mail refused: the program's hourly mail cap is reached";

async function compose(from: string, subject: string): Promise<Buffer> {
  return new MailComposer({ from, to: PROGRAM_ADDRESS, subject, text: "Something is wrong." })
    .compile()
    .build();
}

/** The SMTP reply code: 250 when taken, the refusal's code otherwise. */
async function send(listener: MailListener, from: string, subject: string): Promise<number> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: listener.port,
    secure: false,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail({
      envelope: { from, to: [PROGRAM_ADDRESS] },
      raw: await compose(from, subject),
    });
    return Number(info.response.slice(0, 3));
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    if (code === undefined) throw error;
    return code;
  } finally {
    transport.close();
  }
}

describe.each(databases)("the hourly mail cap, visible, on $name", (database) => {
  let t: TestApp;
  let listener: MailListener;
  beforeEach(async () => {
    t = await startTestApp(() => database.open(), {
      rateLimits: {
        perAddressPerHour: 10_000,
        perAddressWithoutPowPerHour: 10_000,
        perProgramPerHour: CAP,
        requestsPerMinute: 100_000,
      },
      // As `embargo serve` with EMBARGO_SMTP_PORT set: the mail page shows the cap only then.
      // (The test starts its own listener on a free port.)
      smtpPort: 2525,
    });
    listener = await startMailListener(t, { perProgramPerHour: CAP });
  });
  afterEach(async () => {
    await listener.close();
    await t.close();
  });

  const capLogLines = () =>
    t
      .logs()
      .split("\n")
      .filter((line) => line.includes(LOG_MESSAGE));

  it("counts refusals in /metrics, shows the hour on the mail page, and logs once per hour", async () => {
    const senders = ["ada@example.org", "bob@example.net", "cy@example.com", "di@example.org"];
    const codes: number[] = [];
    for (const [i, from] of senders.entries()) codes.push(await send(listener, from, `report ${i}`));
    expect(codes).toEqual([250, 250, 450, 450]);

    const staff = await createStaff(t, { email: "emma@kitsu.example", role: "admin", program: "kitsu" });
    const metrics = (await staff.browser.get("/metrics")).body;
    expect(metrics).toContain("# TYPE embargo_mail_refused_total counter");
    expect(metrics).toMatch(/^embargo_mail_refused_total\{program="kitsu",reason="hourly_cap"\} 2$/m);

    const page = await staff.browser.get("/mail/queue");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('class="mail-cap" data-program="kitsu"');
    expect(textOf(page.body)).toContain(
      "kitsu: at most 2 messages an hour by mail; since 10:00 UTC, 2 taken in and 2 refused by the cap.",
    );

    // Two refusals, one line: the program and its cap, no sender, no content.
    const lines = capLogLines();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, program: "kitsu", capPerHour: CAP });
    for (const from of senders) expect(t.logs()).not.toContain(from);
    expect(t.logs()).not.toContain("report 2");

    // The next hour: the bucket has refilled, the page starts again, the counter goes on, and
    // the first refusal of this hour is logged again (once).
    t.clock.set(new Date("2026-11-25T11:00:00Z"));
    for (const [i, from] of senders.entries()) await send(listener, from, `later ${i}`);
    // An hour on, the first session has gone idle: sign in afresh.
    const later = await createStaff(t, { email: "fay@kitsu.example", role: "admin", program: "kitsu" });
    expect(textOf((await later.browser.get("/mail/queue")).body)).toContain(
      "kitsu: at most 2 messages an hour by mail; since 11:00 UTC, 2 taken in and 2 refused by the cap.",
    );
    expect((await later.browser.get("/metrics")).body).toMatch(
      /^embargo_mail_refused_total\{program="kitsu",reason="hourly_cap"\} 4$/m,
    );
    expect(capLogLines()).toHaveLength(2);
  });

  it("counts a refusal at the end of the message too: concurrent senders, one log line", async () => {
    // All pass RCPT while the bucket is full; the take when each is stored refuses all but CAP.
    const senders = Array.from({ length: 6 }, (_, i) => `sender-${i}@example.net`);
    const codes = await Promise.all(senders.map((from, i) => send(listener, from, `burst ${i}`)));
    expect(codes.filter((code) => code === 250)).toHaveLength(CAP);
    expect(codes.filter((code) => code === 450)).toHaveLength(senders.length - CAP);

    const staff = await createStaff(t, { email: "emma@kitsu.example", role: "admin", program: "kitsu" });
    expect((await staff.browser.get("/metrics")).body).toMatch(
      /^embargo_mail_refused_total\{program="kitsu",reason="hourly_cap"\} 4$/m,
    );
    expect(textOf((await staff.browser.get("/mail/queue")).body)).toContain(
      "kitsu: at most 2 messages an hour by mail; since 10:00 UTC, 2 taken in and 4 refused by the cap.",
    );
    expect(capLogLines()).toHaveLength(1);
  });
});
