import { afterEach, describe, expect, it } from "vitest";
import { MailParsePool } from "../../src/mail/parse-pool.js";

/**
 * Issue 17: the parse threads are started on demand and ended when idle, so that a server that
 * reads mail now and then does not keep a thread's isolate (some 40 MB of RSS) for nothing.
 */
const BUDGET = { seconds: 30, memoryMb: 256, threads: 1, queue: 4 };
const LIMITS = { maxAttachments: 5, maxAttachmentBytes: 1_000_000, maxTotalBytes: 1_000_000 };
const IDLE_MS = 300;

function message(subject: string): Buffer {
  return Buffer.from(
    [
      "From: Reporter <reporter@example.net>",
      "To: security@kafe.example",
      `Subject: ${subject}`,
      "Message-ID: <idle-test@example.net>",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "The deploy step writes outside the release directory.",
      "",
    ].join("\r\n"),
  );
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the mail parse pool's threads", () => {
  let pool: MailParsePool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it("starts none before the first message, ends them when idle, and still reads the next message", async () => {
    pool = new MailParsePool(BUDGET, undefined, { idleMs: IDLE_MS });
    expect(pool.threadCount).toBe(0);

    const first = await pool.readMail(message("First report"), LIMITS);
    expect(first.mail.subject).toBe("First report");
    expect(pool.threadCount).toBe(1);

    // Idle past idleMs: the thread is ended (a thread starts in about a second under vitest).
    await until(() => pool?.threadCount === 0, 10_000);

    const second = await pool.readMail(message("Second report"), LIMITS);
    expect(second.mail.subject).toBe("Second report");
    expect(second.mail.text.toString("utf8")).toContain("outside the release directory");
  }, 60_000);

  it("keeps its thread while messages keep coming", async () => {
    pool = new MailParsePool(BUDGET, undefined, { idleMs: 2_000 });
    await pool.readMail(message("One"), LIMITS);
    // Messages 300 ms apart for longer than idleMs: the thread is never found ended between them.
    for (let i = 0; i < 10; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(pool.threadCount).toBe(1);
      await pool.readMail(message(`Report ${i}`), LIMITS);
    }
  }, 60_000);
});
