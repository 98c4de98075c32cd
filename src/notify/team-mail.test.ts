import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { acmePolicy } from "../../test/support/acme-policy.js";
import type { Recipient } from "../domain/notifications/recipients.js";
import { generateProgramKey } from "../mail/pgp-keys.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Notification } from "./notification.js";
import { planTeamMail, withoutContent } from "./team-mail.js";

/**
 * At sending, under allCommunication: encrypted to a usable key; otherwise never the words a
 * notification may hold. Without a usable key now (expired since, or taken away by a reload),
 * only what happened and the link go out.
 */
let usable: string;
let expired: string;

beforeAll(async () => {
  usable = (await generateProgramKey({ name: "Alice", emails: ["alice@acme.example"] })).armoredPublicKey;
  const old = await openpgp.generateKey({
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs: [{ email: "alice@acme.example" }],
    date: new Date(Date.now() - 2 * 86_400_000),
    keyExpirationTime: 3600,
    format: "object",
  });
  expired = old.publicKey.armor();
});

function program(options: {
  allCommunication: boolean;
  key: "usable" | "expired" | "url";
  confidential?: boolean;
}): LoadedPolicy {
  const armored = options.key === "usable" ? usable : expired;
  return {
    file: "acme.yaml",
    policy: acmePolicy({
      contacts: [
        {
          id: "alice",
          name: "Alice",
          roles: ["point-of-contact"],
          email: "alice@acme.example",
          openpgpKey: options.key === "url" ? { url: "https://acme.example/alice.asc" } : { armored },
        },
      ],
      encryption: { allCommunication: options.allCommunication },
      notifications: { email: { confidential: options.confidential ?? true } },
    }),
    contactKeys: options.key === "url" ? new Map() : new Map([["alice", { armored, fingerprint: "F" }]]),
  };
}

const ALICE: Recipient = { kind: "contact", id: "alice", email: "alice@acme.example" };

const NOTIFICATION: Notification = {
  idempotencyKey: "case-1:events:1-1:new-report:contact:alice",
  program: "acme",
  caseId: "abcdefgh12345678",
  event: "case.received",
  subject: "[Acme] New report (ACME-7)",
  text: "Case ACME-7: Stored XSS in the profile page\n\nA new report was received.",
  url: "https://security.example.org/cases/abcdefgh12345678",
  createdAt: "2026-12-02T10:00:00.000Z",
};

describe("planTeamMail", () => {
  it("sends as built without allCommunication, and to reporters and webhooks", async () => {
    expect(await planTeamMail(program({ allCommunication: false, key: "usable" }), ALICE)).toEqual({
      send: "as-built",
    });
    const all = program({ allCommunication: true, key: "usable" });
    expect(await planTeamMail(all, { kind: "reporter", email: "ada@example.org" })).toEqual({
      send: "as-built",
    });
    expect(await planTeamMail(all, { kind: "webhook", id: "hook" })).toEqual({ send: "as-built" });
    expect(await planTeamMail(undefined, ALICE)).toEqual({ send: "as-built" });
  });

  it("encrypts to a usable key", async () => {
    const plan = await planTeamMail(program({ allCommunication: true, key: "usable" }), ALICE);
    expect(plan.send).toBe("encrypted");
  });

  it("leaves the content out when the key the policy names no longer works", async () => {
    expect(await planTeamMail(program({ allCommunication: true, key: "expired" }), ALICE)).toEqual({
      send: "without-content",
      programName: "Acme",
    });
  });

  it("leaves the content out for a url-key contact too: a reload may have taken the key away", async () => {
    expect(await planTeamMail(program({ allCommunication: true, key: "url" }), ALICE)).toEqual({
      send: "without-content",
      programName: "Acme",
    });
  });

  it("sends as built when the team's email is not confidential: it was built without content", async () => {
    expect(
      await planTeamMail(program({ allCommunication: true, key: "url", confidential: false }), ALICE),
    ).toEqual({ send: "as-built" });
  });
});

describe("withoutContent", () => {
  it("keeps the subject and the link, and drops the words", () => {
    const mail = withoutContent(NOTIFICATION, "Acme", "ACME-7");
    expect(mail.subject).toBe(NOTIFICATION.subject);
    expect(mail.idempotencyKey).toBe(NOTIFICATION.idempotencyKey);
    expect(mail.text).toContain("There is news on case ACME-7.");
    expect(mail.text).toContain(NOTIFICATION.url);
    expect(mail.text).not.toContain("Stored XSS");
  });
});
