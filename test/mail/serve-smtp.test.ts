import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, type ServerProcess, startServerProcess, waitFor } from "../support/server-process.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

/**
 * The listener as an operator turns it on: `embargo serve` with EMBARGO_SMTP_PORT and a
 * certificate for STARTTLS. A report sent over TLS opens a case, and the receipt's link opens it.
 */
describe("embargo serve with EMBARGO_SMTP_PORT", () => {
  let server: ServerProcess | undefined;
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    await server?.stop();
    await sink?.close();
  });

  it("takes mail over STARTTLS and answers with the case link", async () => {
    const dir = mkdtempSync(join(tmpdir(), "embargo-serve-smtp-"));
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    execFileSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ]);
    sink = await startSmtpSink();
    const smtpPort = await freePort();
    server = await startServerProcess({
      EMBARGO_DATABASE_URL: `sqlite:${join(dir, "embargo.db")}`,
      EMBARGO_DATA_DIR: dir,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_PUBLIC_URL: "http://127.0.0.1",
      EMBARGO_SMTP_URL: sink.url,
      EMBARGO_SMTP_PORT: String(smtpPort),
      EMBARGO_SMTP_TLS_CERT: cert,
      EMBARGO_SMTP_TLS_KEY: key,
    });

    // Kitsu has no OpenPGP key yet: the operator is told at start that its mail goes unsigned.
    const warned = /"program":"kitsu".*has no OpenPGP key/;
    await waitFor(() => warned.test(server!.output()), 5_000, "the warning about Kitsu's key");

    // requireTLS: the send fails unless the listener offers STARTTLS and the upgrade works.
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: smtpPort,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
    });
    const info = await transport.sendMail({
      from: "ada@example.org",
      to: "nuck@kitsu.example",
      subject: "Open redirect on the login page",
      text: "The next parameter accepts any host.",
      messageId: "<serve-smtp-1@example.org>",
    });
    transport.close();
    expect(info.response).toMatch(/^250 /);

    await waitFor(() => sink!.to("ada@example.org").length > 0, 30_000, "the receipt");
    const [receipt] = sink.to("ada@example.org");
    expect(receipt?.text).toContain("We received your report to Kitsu.");
    const path = /http:\/\/127\.0\.0\.1(\/r\/[A-Za-z0-9_-]{43})/.exec(receipt!.text)?.[1];
    expect(path).toBeDefined();
    const page = await fetch(`${server.url}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("The next parameter accepts any host.");
  }, 60_000);
});
