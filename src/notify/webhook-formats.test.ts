import { describe, expect, it } from "vitest";
import type { Notification } from "./notification.js";
import { WEBHOOK_FORMATS, webhookBody } from "./webhook-formats.js";

/** A notification for tests, with text that tries every markup trick the formats must neutralise. */
function testNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    idempotencyKey: "case1:ack:warn:0",
    program: "Kitsu",
    caseId: "case1",
    event: "escalation.warn",
    subject: "[Kitsu] Acknowledge <b>now</b> & @room",
    text: 'Line one <script>alert("x")</script>\nLine two <!channel> @all',
    url: "https://embargo.example.org/staff/cases/case1?tab=a&b=c",
    createdAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

const n = testNotification();
const parse = (s: string): Record<string, unknown> => JSON.parse(s) as Record<string, unknown>;

describe("webhookBody", () => {
  it("generic carries every field as is", () => {
    expect(parse(webhookBody("generic", n))).toEqual({
      id: n.idempotencyKey,
      program: "Kitsu",
      caseId: "case1",
      event: "escalation.warn",
      subject: n.subject,
      text: n.text,
      url: n.url,
      createdAt: n.createdAt,
    });
    expect(parse(webhookBody("generic", testNotification({ url: null, caseId: null })))).toMatchObject({
      url: null,
      caseId: null,
    });
  });

  it("slack escapes &, <, > and links the case", () => {
    expect(parse(webhookBody("slack", n))).toEqual({
      text:
        "*[Kitsu] Acknowledge &lt;b&gt;now&lt;/b&gt; &amp; @room*\n" +
        'Line one &lt;script&gt;alert("x")&lt;/script&gt;\nLine two &lt;!channel&gt; @all\n' +
        "<https://embargo.example.org/staff/cases/case1?tab=a&amp;b=c|Open the case>",
    });
  });

  it("slack keeps a | in the URL from ending the link", () => {
    const body = parse(webhookBody("slack", testNotification({ url: "https://x.example/a|b", text: "t" })));
    expect(body.text).toContain("<https://x.example/a%7Cb|Open the case>");
  });

  it("matrix escapes all HTML and adds only strong, br and the link", () => {
    const body = parse(webhookBody("matrix", n));
    expect(body.username).toBe("Embargo");
    expect(body.text).toBe(
      "[Kitsu] Acknowledge <b>now</b> & @\u200broom\n" +
        'Line one <script>alert("x")</script>\nLine two <!channel> @\u200ball\n' +
        "https://embargo.example.org/staff/cases/case1?tab=a&b=c",
    );
    expect(body.html).toBe(
      "<strong>[Kitsu] Acknowledge &lt;b&gt;now&lt;/b&gt; &amp; @\u200broom</strong><br>" +
        "Line one &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Line two &lt;!channel&gt; @\u200ball<br>" +
        '<a href="https://embargo.example.org/staff/cases/case1?tab=a&amp;b=c">Open the case</a>',
    );
    const tags = String(body.html).match(/<[^>]+>/g);
    expect(new Set(tags)).toEqual(
      new Set(["<strong>", "</strong>", "<br>", expect.stringMatching(/^<a href=/), "</a>"]),
    );
  });

  it("never links a non-http URL", () => {
    const evil = testNotification({ url: "javascript:alert(1)" });
    expect(String(parse(webhookBody("matrix", evil)).html)).not.toContain("javascript");
    expect(String(parse(webhookBody("slack", evil)).text)).not.toContain("javascript");
    expect(JSON.stringify(parse(webhookBody("rocketchat", evil)))).not.toContain("javascript");
  });

  it("rocketchat puts the subject in text and title, the body in the attachment", () => {
    expect(parse(webhookBody("rocketchat", n))).toEqual({
      alias: "Embargo",
      text: "[Kitsu] Acknowledge <b>now</b> & @\u200broom",
      attachments: [
        {
          title: "[Kitsu] Acknowledge <b>now</b> & @\u200broom",
          title_link: n.url,
          text: 'Line one <script>alert("x")</script>\nLine two <!channel> @\u200ball',
        },
      ],
    });
  });

  it("rocketchat omits title_link without a URL", () => {
    const body = parse(webhookBody("rocketchat", testNotification({ url: null })));
    expect(body.attachments).toEqual([{ title: expect.any(String), text: expect.any(String) }]);
  });

  it("produces JSON for every format", () => {
    for (const format of WEBHOOK_FORMATS) expect(() => JSON.parse(webhookBody(format, n))).not.toThrow();
  });
});
