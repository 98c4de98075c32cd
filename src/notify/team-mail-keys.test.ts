import * as openpgp from "openpgp";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { acmePolicy } from "../../test/support/acme-policy.js";
import type { Recipient } from "../domain/notifications/recipients.js";
import { generateProgramKey } from "../mail/pgp-keys.js";
import type { LoadedPolicy } from "../policy/loader.js";
import {
  teamMailKey,
  teamMayReadContent,
  unencryptableContacts,
  warnOfUnencryptableContacts,
} from "./team-mail-keys.js";

/**
 * Under `encryption.allCommunication`, team email carries report content only to a contact with
 * an `armored` or `file` key that can be encrypted to; a `url` key is never fetched. Admins learn
 * which contacts get no content, by id and reason, never by key material.
 */
let alice: { armored: string; fingerprint: string };
let expired: { armored: string; fingerprint: string };

beforeAll(async () => {
  const made = await generateProgramKey({ name: "Alice", emails: ["alice@acme.example"] });
  alice = { armored: made.armoredPublicKey, fingerprint: made.fingerprint };
  const old = await openpgp.generateKey({
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs: [{ email: "carol@acme.example" }],
    date: new Date(Date.now() - 2 * 86_400_000),
    keyExpirationTime: 3600,
    format: "object",
  });
  expired = { armored: old.publicKey.armor(), fingerprint: old.publicKey.getFingerprint().toUpperCase() };
});

function program(options: { allCommunication: boolean; confidential: boolean }): LoadedPolicy {
  return {
    file: "acme.yaml",
    policy: acmePolicy({
      contacts: [
        {
          id: "alice",
          name: "Alice",
          roles: ["point-of-contact"],
          email: "alice@acme.example",
          openpgpKey: { armored: alice.armored },
        },
        {
          id: "bob",
          name: "Bob",
          roles: ["lead"],
          email: "bob@acme.example",
          openpgpKey: { url: "https://acme.example/bob.asc" },
        },
        {
          id: "carol",
          name: "Carol",
          roles: ["member"],
          email: "carol@acme.example",
          openpgpKey: { file: "carol.asc" },
        },
        { id: "dave", name: "Dave", roles: ["member"], email: "dave@acme.example" },
        { id: "erin", name: "Erin", roles: ["member"], url: "https://chat.acme.example/erin" },
      ],
      encryption: { allCommunication: options.allCommunication },
      notifications: { email: { confidential: options.confidential } },
    }),
    contactKeys: new Map([
      ["alice", alice],
      ["carol", expired],
    ]),
  };
}

const contact = (id: string): Recipient => ({ kind: "contact", id, email: `${id}@acme.example` });

describe("teamMayReadContent", () => {
  it("follows notifications.email.confidential alone without allCommunication", () => {
    const open = program({ allCommunication: false, confidential: true }).policy;
    expect(teamMayReadContent(open, contact("bob"))).toBe(true);
    expect(teamMayReadContent(open, contact("dave"))).toBe(true);
    const closed = program({ allCommunication: false, confidential: false }).policy;
    expect(teamMayReadContent(closed, contact("alice"))).toBe(false);
  });

  it("with allCommunication, only to a contact the policy gives an armored or file key", () => {
    const policy = program({ allCommunication: true, confidential: true }).policy;
    expect(teamMayReadContent(policy, contact("alice"))).toBe(true);
    expect(teamMayReadContent(policy, contact("carol"))).toBe(true); // checked again at delivery
    expect(teamMayReadContent(policy, contact("bob"))).toBe(false);
    expect(teamMayReadContent(policy, contact("dave"))).toBe(false);
    // A team member is the contact with their address, whatever its case.
    expect(teamMayReadContent(policy, { kind: "user", id: "u1", email: "Alice@ACME.example" })).toBe(true);
    expect(teamMayReadContent(policy, { kind: "user", id: "u2", email: "zed@acme.example" })).toBe(false);
    const closed = program({ allCommunication: true, confidential: false }).policy;
    expect(teamMayReadContent(closed, contact("alice"))).toBe(false);
  });
});

describe("teamMailKey", () => {
  it("gives the key of a contact, or of the contact a team member is", async () => {
    const loaded = program({ allCommunication: true, confidential: true });
    const key = await teamMailKey(loaded, contact("alice"));
    expect(key.usable && key.key.getFingerprint().toUpperCase()).toBe(alice.fingerprint);
    const member = await teamMailKey(loaded, { kind: "user", id: "u1", email: "alice@acme.example" });
    expect(member.usable).toBe(true);
    expect(await teamMailKey(loaded, { kind: "user", id: "u2", email: "zed@acme.example" })).toMatchObject({
      usable: false,
      reason: "no-key",
    });
  });
});

describe("unencryptableContacts", () => {
  it("is empty without allCommunication", async () => {
    expect(await unencryptableContacts(program({ allCommunication: false, confidential: true }))).toEqual([]);
  });

  it("names every mailed contact without a usable key, and why", async () => {
    const found = await unencryptableContacts(program({ allCommunication: true, confidential: false }));
    expect(found.map(({ contactId, reason }) => ({ contactId, reason }))).toEqual([
      { contactId: "bob", reason: "url-only" },
      { contactId: "carol", reason: "unusable" },
      { contactId: "dave", reason: "no-key" },
    ]);
    expect(found[1]?.message).toContain("expired");
  });

  it("warns at start with ids and reasons, never key material", async () => {
    let logged = "";
    const logger = pino({ level: "warn" }, { write: (line: string) => (logged += line) });
    await warnOfUnencryptableContacts([program({ allCommunication: true, confidential: true })], logger);
    const lines = logged
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.program, line.contact, line.reason])).toEqual([
      ["acme", "bob", "url-only"],
      ["acme", "carol", "unusable"],
      ["acme", "dave", "no-key"],
    ]);
    expect(logged).not.toContain("BEGIN PGP");
    expect(logged).not.toContain(expired.fingerprint);
  });
});
