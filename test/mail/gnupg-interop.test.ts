import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { detectPgp } from "../../src/mail/pgp-mime.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { giveProgramKey, type MailListener, type Party, startMailListener } from "../support/mail.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * Interoperability with GnuPG, what most researchers' mail programs use: a report encrypted and
 * signed by `gpg` (PGP/MIME, built by hand as a mail program would) opens a case with its
 * signature checked, and the receipt Embargo sends decrypts in `gpg` with a good signature from
 * the program's key. Everything OpenPGP on Embargo's side is openpgp.js; only the peer is gpg.
 */
const [sqlite] = databases;

function gpg(home: string, args: string[], input?: string): { stdout: string; stderr: string } {
  const result = spawnSync(
    "gpg",
    ["--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "", ...args],
    { input: input ?? "", encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`gpg ${args.join(" ")} failed: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

describe.runIf(sqlite !== undefined)("GnuPG interoperability", () => {
  let t: TestApp;
  let sink: SmtpSink;
  let listener: MailListener;
  let jobs: JobRunner;
  let kitsu: Party;
  let home: string;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), "embargo-gnupg-"));
    sink = await startSmtpSink();
    t = await startTestApp(sqlite!.open);
    t.clock.set(new Date("2026-12-02T18:00:00Z"));
    kitsu = await giveProgramKey(t, "kitsu", "nuck@kitsu.example");
    listener = await startMailListener(t);
    jobs = jobsFor(t, sink.url);
  });
  afterEach(async () => {
    await jobs.stop();
    await listener.close();
    await t.close();
    await sink.close();
    spawnSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
  });

  it("takes a report gpg encrypted and signed, and gpg opens the receipt with a good signature", async () => {
    gpg(home, ["--quick-gen-key", "Gus <gus@example.org>", "future-default", "default", "1d"]);
    gpg(home, ["--import"], kitsu.armoredPublicKey);
    const gusKey = gpg(home, ["--armor", "--export", "gus@example.org"]).stdout;

    const inner = [
      'Content-Type: multipart/mixed; boundary="inner"',
      "",
      "--inner",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "The invite endpoint lets anyone join a private group.",
      "--inner",
      'Content-Type: application/pgp-keys; name="gus.asc"',
      'Content-Disposition: attachment; filename="gus.asc"',
      "",
      gusKey.trim(),
      "--inner--",
      "",
    ].join("\r\n");
    const armored = gpg(
      home,
      [
        "--trust-model",
        "always",
        "--armor",
        "--sign",
        "--encrypt",
        "-u",
        "gus@example.org",
        "-r",
        "nuck@kitsu.example",
      ],
      inner,
    ).stdout;
    const report = Buffer.from(
      [
        "From: Gus <gus@example.org>",
        "To: nuck@kitsu.example",
        "Subject: ...",
        "Message-ID: <gpg-1@example.org>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="outer"',
        "",
        "--outer",
        "Content-Type: application/pgp-encrypted",
        "",
        "Version: 1",
        "",
        "--outer",
        'Content-Type: application/octet-stream; name="encrypted.asc"',
        "",
        armored.trim().replace(/\r?\n/g, "\r\n"),
        "--outer--",
        "",
      ].join("\r\n"),
    );
    expect(await listener.send(report, { from: "gus@example.org", to: ["nuck@kitsu.example"] })).toMatch(
      /^250 /,
    );
    const [row] = await t.store.db.selectFrom("inbound_mail").select(["status", "case_id"]).execute();
    expect(row?.status).toBe("case-opened");
    const emma = await createStaff(t, { email: "emma@kitsu.example", role: "responder", program: "kitsu" });
    const page = textOf((await emma.browser.get(`/cases/${row!.case_id}`)).body);
    expect(page).toContain("The invite endpoint lets anyone join a private group.");
    expect(page).toContain("by email, encrypted, signature valid");

    await jobs.drain();
    const [receipt] = sink.to("gus@example.org");
    const detected = detectPgp(receipt!.raw);
    expect(detected.kind).toBe("pgp-mime-encrypted");
    const opened = gpg(
      home,
      ["--trust-model", "always", "--status-fd", "2", "--decrypt"],
      detected.kind === "pgp-mime-encrypted" ? detected.armored : "",
    );
    expect(opened.stderr).toMatch(new RegExp(`VALIDSIG [^\\n]*${kitsu.publicKey.getFingerprint()}`, "i"));
    expect(opened.stderr).toContain("GOODSIG");
    expect(opened.stdout).toContain("We received your report to Kitsu.");
  }, 60_000);
});
