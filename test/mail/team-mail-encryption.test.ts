import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { JobRunner } from "../../src/jobs/runner.js";
import { detectPgp } from "../../src/mail/pgp-mime.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { giveProgramKey, type MailListener, type Party, startMailListener } from "../support/mail.js";
import type { CaughtMail, SmtpSink } from "../support/smtp-sink.js";
import { startSmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, textOf } from "../support/workspace.js";

/**
 * Kulupu promises `encryption.allCommunication: true` and `encryption.reports: required`. With
 * the team's email confidential: Wei, whose armored key (made by GnuPG) is in the policy, gets
 * the report's title only inside PGP/MIME that `gpg --decrypt` opens; Lin, whose key is only a
 * url (published, never fetched), gets what happened and a link. A report mailed in clear still
 * opens a case, and its receipt says how to encrypt. "kulupu-clear" is the same program without
 * the promise: its team mail stays as it was, plain and with the title.
 */
const WEI = "wei@kulupu.example";
const LIN = "lin@that.world";
const TITLE = "Block import accepts a forged seal";
const KULUPU_FIELDS = {
  name: "Ada",
  description: "The seal check can be skipped.",
  components: "runtime",
  reproduction: "Import block 42 twice.",
};

let home: string;
let policies: string;

function gpg(args: string[], input?: string): { stdout: string; stderr: string } {
  const result = spawnSync(
    "gpg",
    ["--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "", ...args],
    { input: input ?? "", encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`gpg ${args.join(" ")} failed: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** Kulupu's own policy, with Wei's GnuPG key, a second contact with a url key, confidential email. */
function writePolicies(weiKey: string): string {
  const dir = mkdtempSync(join(tmpdir(), "embargo-team-keys-"));
  const kulupu = parse(readFileSync("examples/policies/kulupu.yaml", "utf8")) as Record<string, unknown>;
  const contacts = [
    {
      id: "wei",
      name: "Wei Tang",
      roles: ["point-of-contact", "lead"],
      email: WEI,
      openpgpKey: { armored: weiKey },
    },
    {
      id: "lin",
      name: "Lin",
      roles: ["point-of-contact"],
      email: LIN,
      openpgpKey: { url: "https://that.world/~lin/pubkey.gpg" },
    },
  ];
  const notifications = { email: { confidential: true } };
  writeFileSync(join(dir, "kulupu.yaml"), stringify({ ...kulupu, contacts, notifications }));
  const clear = {
    ...kulupu,
    program: { slug: "kulupu-clear", name: "Kulupu Clear" },
    contacts,
    channels: [
      {
        id: "mail",
        kind: "email",
        label: "Security",
        address: "security@clear.example",
        purposes: ["reports"],
      },
    ],
    encryption: { reports: "optional", allCommunication: false },
    notifications,
  };
  writeFileSync(join(dir, "kulupu-clear.yaml"), stringify(clear));
  return dir;
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "embargo-gnupg-"));
  gpg(["--quick-gen-key", "Wei Tang <wei@kulupu.example>", "future-default", "default", "1d"]);
  policies = writePolicies(gpg(["--armor", "--export", WEI]).stdout);
});
afterAll(() => {
  spawnSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
  rmSync(home, { recursive: true, force: true });
  rmSync(policies, { recursive: true, force: true });
});

/** What Wei's mail program shows: gpg decrypts the PGP/MIME part, the inner entity is parsed. */
async function openWithGpg(mail: CaughtMail): Promise<{ subject: string; text: string; status: string }> {
  const detected = detectPgp(mail.raw);
  if (detected.kind !== "pgp-mime-encrypted") throw new Error(`not PGP/MIME encrypted: ${detected.kind}`);
  const opened = gpg(["--trust-model", "always", "--status-fd", "2", "--decrypt"], detected.armored);
  const inner = await simpleParser(Buffer.from(opened.stdout, "utf8"));
  return { subject: inner.subject ?? "", text: inner.text ?? "", status: opened.stderr };
}

describe.each(databases)("team mail under encryption.allCommunication, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let listener: MailListener;
  let jobs: JobRunner;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    t = await startTestApp(database.open, {}, { policies });
    t.clock.set(new Date("2026-12-02T18:00:00Z"));
    listener = await startMailListener(t);
    jobs = jobsFor(t, sink.url);
  });
  afterEach(async () => {
    await jobs.stop();
    await listener.close();
    await t.close();
  });

  it("encrypts a new report's mail to Wei's GnuPG key, signed by the program, and leaves the title out of Lin's", async () => {
    const program: Party = await giveProgramKey(t, "kulupu", WEI);
    gpg(["--import"], program.armoredPublicKey);
    const report = await fileReport(t, "kulupu", { title: TITLE, fields: KULUPU_FIELDS, contact: {} });
    await jobs.drain();

    const [toWei] = sink.to(WEI);
    expect(toWei).toBeDefined();
    expect(toWei!.raw.toString("latin1")).toMatch(
      /^Content-Type: multipart\/encrypted; protocol="application\/pgp-encrypted"/im,
    );
    expect(toWei!.subject).toBe("...");
    expect(toWei!.raw.includes(Buffer.from(TITLE))).toBe(false);
    expect(toWei!.raw.includes(Buffer.from("forged"))).toBe(false);
    const opened = await openWithGpg(toWei!);
    expect(opened.text).toContain(TITLE);
    expect(opened.text).toContain(`/cases/${report.id}`);
    expect(opened.subject).toBe(`[Kulupu] New report (${report.reference})`);
    expect(opened.status).toContain("GOODSIG");
    expect(opened.status).toMatch(new RegExp(`VALIDSIG [^\\n]*${program.publicKey.getFingerprint()}`, "i"));

    const [toLin] = sink.to(LIN);
    expect(toLin).toBeDefined();
    expect(detectPgp(toLin!.raw).kind).toBe("none");
    expect(toLin!.subject).toBe(`[Kulupu] New report (${report.reference})`);
    expect(toLin!.text).toContain(`/cases/${report.id}`);
    expect(toLin!.text).toContain("this mail leaves the details out");
    // Worded at sending, from the case row: the same reference as the subject.
    expect(toLin!.text).toContain(`There is news on case ${report.reference}.`);
    expect(toLin!.raw.includes(Buffer.from("forged"))).toBe(false);
  });

  it("encrypts without a signature when the program has no key of its own", async () => {
    await fileReport(t, "kulupu", { title: TITLE, fields: KULUPU_FIELDS, contact: {} });
    await jobs.drain();
    const [toWei] = sink.to(WEI);
    expect(toWei!.raw.includes(Buffer.from("forged"))).toBe(false);
    const opened = await openWithGpg(toWei!);
    expect(opened.text).toContain(TITLE);
    expect(opened.status).toContain("DECRYPTION_OKAY");
    expect(opened.status).not.toMatch(/GOODSIG|VALIDSIG|BADSIG|ERRSIG/);
  });

  it("keeps a report mailed in clear as a case, tells the sender how to encrypt, and tells Wei encrypted", async () => {
    const program = await giveProgramKey(t, "kulupu", WEI);
    gpg(["--import"], program.armoredPublicKey);
    const plain = await plainReport(WEI, "Seal bypass in block import", "The seal check can be skipped.");
    expect(await listener.send(plain, { from: "bob@example.org", to: [WEI] })).toMatch(/^250 /);
    const [row] = await t.store.db.selectFrom("inbound_mail").select(["status", "case_id"]).execute();
    expect(row?.status).toBe("case-opened");
    const staff = await createStaff(t, { email: "viewer@kulupu.example", role: "viewer", program: "kulupu" });
    const page = textOf((await staff.browser.get(`/cases/${row!.case_id}`)).body);
    expect(page).toContain("The seal check can be skipped.");

    await jobs.drain();
    const [receipt] = sink.to("bob@example.org");
    expect(receipt).toBeDefined();
    const fingerprint = program.publicKey.getFingerprint().toUpperCase().match(/.{4}/g)!.join(" ");
    expect(receipt!.text).toContain(
      "Kulupu requires reports to be encrypted, and yours arrived unencrypted.",
    );
    expect(receipt!.text).toContain(`Fingerprint: ${fingerprint}`);
    expect(receipt!.text).toContain("https://security.example.org/p/kulupu/openpgp.asc");
    expect(receipt!.text).toContain(`gpg --locate-keys ${WEI}`);
    expect(receipt!.text).toContain("You should encrypt your report using our public key.");
    expect(receipt!.text).not.toContain("/r/");
    // The key it names is the one served for download.
    const served = await t.app.inject({ method: "GET", url: "/p/kulupu/openpgp.asc" });
    expect(served.body).toBe(program.armoredPublicKey);

    const toWei = sink.to(WEI);
    expect(toWei).toHaveLength(1);
    expect(toWei[0]!.raw.includes(Buffer.from("Seal bypass"))).toBe(false);
    expect((await openWithGpg(toWei[0]!)).text).toContain("Seal bypass in block import");
  });

  it("sends kulupu-clear's team mail as before: in clear, with the title", async () => {
    const report = await fileReport(t, "kulupu-clear", { title: TITLE, fields: KULUPU_FIELDS, contact: {} });
    await jobs.drain();
    for (const address of [WEI, LIN]) {
      const [mail] = sink.to(address);
      expect(detectPgp(mail!.raw).kind).toBe("none");
      expect(mail!.subject).toBe(`[Kulupu Clear] New report (${report.reference})`);
      expect(mail!.text).toContain(`Case ${report.reference}: ${TITLE}`);
    }
  });
});

/** A plain (unencrypted, unsigned) report by mail, as most mail programs send one. */
async function plainReport(to: string, subject: string, text: string): Promise<Buffer> {
  const { default: MailComposer } = await import("nodemailer/lib/mail-composer/index.js");
  return new MailComposer({ from: "bob@example.org", to, subject, text, messageId: "<plain-1@example.org>" })
    .compile()
    .build();
}
