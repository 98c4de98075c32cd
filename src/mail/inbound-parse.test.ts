import { describe, expect, it } from "vitest";
import { type InboundLimits, type InboundMail, InboundMailError, parseInboundMail } from "./inbound-parse.js";

const limits: InboundLimits = { maxAttachments: 3, maxAttachmentBytes: 1024, maxTotalBytes: 64 * 1024 };
const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join("\r\n"), "utf8");

async function inboundError(raw: Buffer, given: InboundLimits = limits): Promise<InboundMailError> {
  const error = await parseInboundMail(raw, given).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InboundMailError);
  return error as InboundMailError;
}

describe("parseInboundMail: ordinary mail", () => {
  it("reads addresses, subject, ids and text", async () => {
    const mail = await parseInboundMail(
      crlf(
        "Return-Path: <rep@example.net>",
        'From: "Rép Orter" <Rep@Example.NET>',
        "To: Security <SECURITY@acme.example>, security@acme.example",
        "Cc: team: Alice <alice@acme.example>, bob@acme.example;",
        "Subject: =?UTF-8?Q?XSS_in_caf=C3=A9?=",
        "Message-ID: <m2@example.net>",
        "In-Reply-To: <ack-1@acme.example> (your acknowledgement)",
        "References: <report-1@example.net>",
        "  <ack-1@acme.example>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hello,\r\nmore details below.\u0000\u001b[31m",
      ),
      limits,
    );
    expect(mail).toEqual({
      messageId: "<m2@example.net>",
      inReplyTo: "<ack-1@acme.example>",
      references: ["<report-1@example.net>", "<ack-1@acme.example>"],
      from: { address: "rep@example.net", name: "Rép Orter" },
      to: ["security@acme.example", "alice@acme.example", "bob@acme.example"],
      subject: "XSS in café",
      text: "Hello,\nmore details below.[31m",
      attachments: [],
      autoReply: { automatic: false },
      viaList: null,
    });
  });

  it("reduces HTML-only mail to text without markup or scripts", async () => {
    const mail = await parseInboundMail(
      crlf(
        "From: rep@example.net",
        "Subject: html",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<html><head><style>p { color: red }</style><script>alert('xss')</script></head>",
        '<body><p>The <b>login</b> form</p><img src=x onerror="alert(1)"><script>steal()</script></body></html>',
      ),
      limits,
    );
    expect(mail.text).toContain("The login form");
    for (const forbidden of ["<script", "alert", "steal", "<b>", "onerror", "color: red"]) {
      expect(mail.text).not.toContain(forbidden);
    }
  });

  it("parses a decrypted inner entity that has no message headers", async () => {
    const mail = await parseInboundMail(crlf("Content-Type: text/plain", "", "inner"), limits);
    expect(mail).toMatchObject({
      messageId: null,
      inReplyTo: null,
      references: [],
      from: null,
      to: [],
      text: "inner",
    });
  });
});

describe("parseInboundMail: attachments", () => {
  const zip = Buffer.from("PK\u0003\u0004 not really a zip", "latin1");

  function withAttachments(count: number, size = 10): Buffer {
    const parts = Array.from({ length: count }, (_, i) => [
      "--b",
      "Content-Type: application/octet-stream",
      `Content-Disposition: attachment; filename="file${i}.bin"`,
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.alloc(size, i).toString("base64"),
    ]).flat();
    return crlf(
      "From: rep@example.net",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      "--b",
      "",
      "see files",
      ...parts,
      "--b--",
    );
  }

  it("keeps attachments as opaque files with sanitised names", async () => {
    const mail = await parseInboundMail(
      crlf(
        "From: rep@example.net",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "PoC attached",
        "--b",
        'Content-Type: Application/ZIP; name="x.zip"',
        'Content-Disposition: attachment; filename="../../etc/evil\u202Egpj.zip"',
        "Content-Transfer-Encoding: base64",
        "",
        zip.toString("base64"),
        "--b",
        "Content-Type: bogus",
        "Content-Disposition: attachment",
        "",
        "x",
        "--b--",
      ),
      limits,
    );
    expect(mail.text.trim()).toBe("PoC attached");
    expect(mail.attachments).toHaveLength(2);
    expect(mail.attachments[0]).toEqual({
      filename: "evilgpj.zip",
      contentType: "application/zip",
      content: zip,
    });
    expect(mail.attachments[1]).toMatchObject({
      filename: "attachment",
      contentType: "application/octet-stream",
    });
  });

  it("accepts up to the limit and refuses one more", async () => {
    expect((await parseInboundMail(withAttachments(3), limits)).attachments).toHaveLength(3);
    const error = await inboundError(withAttachments(4));
    expect(error.code).toBe("too-many-attachments");
    expect(error.message).toBe("the message has 4 attachments; at most 3 are accepted");
  });

  it("refuses an attachment over the per-attachment limit", async () => {
    const error = await inboundError(withAttachments(1, 2048));
    expect(error.code).toBe("attachment-too-large");
    expect(error.message).toContain("2.0 KB");
  });

  it("refuses a message over the total limit before parsing it", async () => {
    const error = await inboundError(withAttachments(1, 100), { ...limits, maxTotalBytes: 100 });
    expect(error.code).toBe("too-large");
  });
});

describe("parseInboundMail: malformed input", () => {
  const cases: Record<string, Buffer> = {
    "missing close boundary": crlf(
      "Content-Type: multipart/mixed; boundary=b",
      "",
      "--b",
      "",
      "text",
      "--b",
      "Content-Type: text/plain",
    ),
    "multipart without boundary": crlf("Content-Type: multipart/mixed", "", "--x", "", "y"),
    "garbage bytes": Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256)),
    "empty input": Buffer.alloc(0),
    "headers only": Buffer.from("Subject: no body"),
    "bad base64 and charset": crlf(
      "Content-Type: text/plain; charset=no-such-charset",
      "Content-Transfer-Encoding: base64",
      "",
      "!!!not base64***",
    ),
    "broken encoded words": crlf("Subject: =?x-unknown?Q?=FF=FE?= =?UTF-8?B?****?=", "From: <<<>>>", "", "x"),
  };

  for (const [name, raw] of Object.entries(cases)) {
    it(`${name}: parses or fails with InboundMailError only`, async () => {
      const outcome: InboundMail | unknown = await parseInboundMail(raw, limits).catch((e: unknown) => e);
      if (outcome instanceof Error) expect(outcome).toBeInstanceOf(InboundMailError);
      else expect(typeof (outcome as InboundMail).text).toBe("string");
    });
  }
});

describe("parseInboundMail: automatic mail (RFC 3834)", () => {
  const base = ["From: someone@example.net", "To: security@acme.example", "Subject: Re: your report"];
  const cases: [string, string[], boolean][] = [
    ["Auto-Submitted: auto-replied", ["Auto-Submitted: auto-replied"], true],
    ["Auto-Submitted: auto-generated with params", ["Auto-Submitted: auto-generated; owner-email=x@y"], true],
    ["Auto-Submitted: no", ["Auto-Submitted: no"], false],
    ["Precedence: junk", ["Precedence: junk"], true],
    ["Precedence: first-class", ["Precedence: first-class"], false],
    ["X-Autoreply", ["X-Autoreply: yes"], true],
    ["X-Autorespond", ["X-Autorespond: Out of office"], true],
    ["empty Return-Path", ["Return-Path: <>"], true],
    ["ordinary Return-Path", ["Return-Path: <someone@example.net>"], false],
  ];

  for (const [name, headers, expected] of cases) {
    it(`${name} → automatic: ${expected}`, async () => {
      const mail = await parseInboundMail(crlf(...base, ...headers, "", "body"), limits);
      expect(mail.autoReply.automatic).toBe(expected);
      if (expected) expect(mail.autoReply.reason).toBeTruthy();
    });
  }

  const lists: [string, string[]][] = [
    ["Precedence: bulk", ["Precedence: bulk"]],
    ["Precedence: list", ["Precedence: LIST"]],
    ["List-Id", ["List-Id: <dev.lists.example.net>"]],
    ["List-Unsubscribe", ["List-Unsubscribe: <mailto:leave@lists.example.net>"]],
  ];
  for (const [name, headers] of lists) {
    it(`${name} → a person's mail through a list: taken in, never answered`, async () => {
      const mail = await parseInboundMail(crlf(...base, ...headers, "", "body"), limits);
      expect(mail.autoReply.automatic).toBe(false);
      expect(mail.viaList).toBeTruthy();
    });
  }

  it("an ordinary message came through no list", async () => {
    expect((await parseInboundMail(crlf(...base, "", "body"), limits)).viaList).toBeNull();
  });

  it("treats MAILER-DAEMON and postmaster senders as automatic", async () => {
    for (const from of ["MAILER-DAEMON@mx.example.net", "Postmaster <postmaster@example.net>"]) {
      const mail = await parseInboundMail(crlf(`From: ${from}`, "", "x"), limits);
      expect(mail.autoReply).toMatchObject({ automatic: true });
    }
  });

  it("uses the SMTP envelope's null sender", async () => {
    const raw = crlf(...base, "", "x");
    expect((await parseInboundMail(raw, limits, { mailFrom: "" })).autoReply.automatic).toBe(true);
    expect((await parseInboundMail(raw, limits, { mailFrom: "<>" })).autoReply.automatic).toBe(true);
    expect((await parseInboundMail(raw, limits, { mailFrom: "a@b.example" })).autoReply.automatic).toBe(
      false,
    );
  });

  it("recognises a DSN bounce by its multipart/report structure", async () => {
    const dsn = crlf(
      "From: Mail Delivery System <bounces@mx.acme.example>",
      "To: security@acme.example",
      "Subject: Undelivered Mail Returned to Sender",
      "MIME-Version: 1.0",
      "Content-Type: multipart/report; report-type=delivery-status;",
      '  boundary="DSN.b"',
      "",
      "--DSN.b",
      "Content-Type: text/plain",
      "",
      "I'm sorry to have to inform you that your message could not be delivered.",
      "--DSN.b",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.acme.example",
      "",
      "Final-Recipient: rfc822; rep@example.net",
      "Action: failed",
      "Status: 5.1.1",
      "--DSN.b",
      "Content-Type: message/rfc822-headers",
      "",
      "From: security@acme.example",
      "Subject: Your report",
      "--DSN.b--",
    );
    const mail = await parseInboundMail(dsn, limits);
    expect(mail.autoReply).toEqual({ automatic: true, reason: "delivery or read report (multipart/report)" });
  });
});
