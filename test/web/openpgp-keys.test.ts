import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as openpgp from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateProgramKey, type ProgramKey } from "../../src/mail/pgp-keys.js";
import { programAddresses } from "../../src/mail/program-addresses.js";
import { wkdHash } from "../../src/mail/wkd.js";
import { loadPolicies } from "../../src/policy/loader.js";
import { checkSecurityTxt } from "../../src/policy/securitytxt/check.js";
import { saveProgramKey } from "../../src/store/program-keys.js";
import { databases } from "../support/databases.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

/**
 * The program keys as the world sees them: /p/<program>/openpgp.asc, security.txt's Encryption
 * field, and the Web Key Directory (direct method) of the programs' addresses.
 */

/** The example policies plus a copy of Kitsu on another domain (same local parts, other slug). */
function policiesWithTwin(): string {
  const dir = mkdtempSync(join(tmpdir(), "embargo-wkd-policies-"));
  cpSync("examples/policies", dir, { recursive: true });
  const twin = readFileSync("examples/policies/kitsu.yaml", "utf8")
    .replace("slug: kitsu", "slug: kitsu-twin")
    .replaceAll("@kitsu.example", "@kitsu-twin.example");
  writeFileSync(join(dir, "kitsu-twin.yaml"), twin.replace("$schema=../../", "$schema=../"));
  return dir;
}

const wkd = (t: TestApp, local: string, host: string) =>
  t.app.inject({
    method: "GET",
    url: `/.well-known/openpgpkey/hu/${wkdHash(local)}?l=${encodeURIComponent(local)}`,
    headers: { host },
  });

async function servedKey(body: Buffer): Promise<{ fingerprint: string; emails: string[] }> {
  const key = await openpgp.readKey({ binaryKey: new Uint8Array(body) });
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    emails: key.users.map((user) => user.userID?.email ?? ""),
  };
}

describe("the programs' own addresses", () => {
  it("are the active reports channels of kind email or mailing-list, lower-cased", async () => {
    const { policies } = await loadPolicies("examples/policies");
    const addresses = (slug: string) =>
      programAddresses(policies.find((loaded) => loaded.policy.program.slug === slug)!.policy);
    expect(addresses("kitsu")).toEqual(["nuck@kitsu.example", "help@kitsu.example"]);
    // Not the privacy list (another purpose), nor the retired GDPR list, nor the chat room.
    expect(addresses("rocketchat")).toEqual(["security@rocketchat.example"]);
    expect(addresses("kafe")).toEqual(["mrtreinis@kafe.example"]);
  });
});

describe.each(databases)("OpenPGP program keys over HTTP on $name", (database) => {
  let t: TestApp;
  let kitsu: ProgramKey;
  let twin: ProgramKey;
  let kulupu: ProgramKey;
  const policies = policiesWithTwin();

  beforeAll(async () => {
    t = await startTestApp(database.open, { defaultProgram: "kitsu" }, { policies });
    const keyFor = (slug: string) => {
      const loaded = t.programs.get(slug)!;
      return generateProgramKey({
        name: loaded.policy.program.name,
        emails: programAddresses(loaded.policy),
      });
    };
    [kitsu, twin, kulupu] = await Promise.all([keyFor("kitsu"), keyFor("kitsu-twin"), keyFor("kulupu")]);
  });
  afterAll(async () => {
    await t.close();
    rmSync(policies, { recursive: true, force: true });
  });

  it("serves no key, and no Encryption field, before a program has one", async () => {
    expect((await t.app.inject({ method: "GET", url: "/p/kitsu/openpgp.asc" })).statusCode).toBe(404);
    expect((await wkd(t, "nuck", "kitsu.example")).statusCode).toBe(404);
    const txt = await t.app.inject({ method: "GET", url: "/p/kitsu/security.txt" });
    expect(txt.body).not.toContain("Encryption:");
    // Kulupu's policy names its key by URL: security.txt points there, and Embargo serves none.
    const kulupuTxt = await t.app.inject({ method: "GET", url: "/p/kulupu/security.txt" });
    expect(kulupuTxt.body).toContain("Encryption: https://that.world/~wei/pubkey.gpg\n");
    expect((await t.app.inject({ method: "GET", url: "/p/kulupu/openpgp.asc" })).statusCode).toBe(404);
  });

  it("publishes the WKD policy file, empty", async () => {
    const policy = await t.app.inject({ method: "GET", url: "/.well-known/openpgpkey/policy" });
    expect(policy.statusCode).toBe(200);
    expect(policy.body).toBe("");
    expect(policy.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  describe("once keys are stored", () => {
    beforeAll(async () => {
      const at = t.clock.now();
      await saveProgramKey(t.store, t.keyring, { program: "kitsu", ...kitsu }, at);
      await saveProgramKey(t.store, t.keyring, { program: "kitsu-twin", ...twin }, at);
      await saveProgramKey(t.store, t.keyring, { program: "kulupu", ...kulupu }, at);
    });

    it("serves the stored public key at openpgp.asc, never the private key", async () => {
      const response = await t.app.inject({ method: "GET", url: "/p/kitsu/openpgp.asc" });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toBe("application/pgp-keys");
      expect(response.body).toBe(kitsu.armoredPublicKey);
      expect(response.body).not.toContain("PRIVATE");
      // The stored key wins over the policy's (Kulupu's names one by URL).
      const kulupuKey = await t.app.inject({ method: "GET", url: "/p/kulupu/openpgp.asc" });
      expect(kulupuKey.body).toBe(kulupu.armoredPublicKey);
      expect((await t.app.inject({ method: "GET", url: "/p/kafe/openpgp.asc" })).statusCode).toBe(404);
    });

    it("points security.txt's Encryption field at it, per program and at /.well-known", async () => {
      for (const [url, slug] of [
        ["/p/kitsu/security.txt", "kitsu"],
        ["/.well-known/security.txt", "kitsu"],
        ["/p/kulupu/security.txt", "kulupu"],
      ] as const) {
        const response = await t.app.inject({ method: "GET", url });
        expect(response.statusCode).toBe(200);
        expect(response.body).toContain(`\nEncryption: ${PUBLIC_URL}/p/${slug}/openpgp.asc\n`);
        expect(checkSecurityTxt(response.body, { now: t.clock.now() }).errors).toEqual([]);
      }
      const kafe = await t.app.inject({ method: "GET", url: "/p/kafe/security.txt" });
      expect(kafe.body).not.toContain("Encryption:");
    });

    it("serves each address's key through WKD with only that address's user ID", async () => {
      for (const email of ["nuck@kitsu.example", "help@kitsu.example"]) {
        const [local = "", domain = ""] = email.split("@");
        const response = await wkd(t, local, domain);
        expect(response.statusCode).toBe(200);
        expect(response.headers["content-type"]).toBe("application/octet-stream");
        expect(response.headers["access-control-allow-origin"]).toBe("*");
        expect(await servedKey(response.rawPayload)).toEqual({
          fingerprint: kitsu.fingerprint,
          emails: [email],
        });
      }
      // Without ?l= too, and in any case of the local part (the hash is of the lower-cased one).
      const bare = await t.app.inject({
        method: "GET",
        url: `/.well-known/openpgpkey/hu/${wkdHash("Nuck")}`,
        headers: { host: "kitsu.example" },
      });
      expect((await servedKey(bare.rawPayload)).fingerprint).toBe(kitsu.fingerprint);
    });

    it("tells domains apart by the Host header, else takes the first program by slug", async () => {
      const onTwin = await wkd(t, "nuck", "kitsu-twin.example");
      expect(await servedKey(onTwin.rawPayload)).toEqual({
        fingerprint: twin.fingerprint,
        emails: ["nuck@kitsu-twin.example"],
      });
      const elsewhere = await wkd(t, "nuck", "security.example.org");
      expect(await servedKey(elsewhere.rawPayload)).toEqual({
        fingerprint: kitsu.fingerprint,
        emails: ["nuck@kitsu.example"],
      });
    });

    it("answers 404 for an address no program has, a program without a key, or a malformed hash", async () => {
      expect((await wkd(t, "nobody", "kitsu.example")).statusCode).toBe(404);
      expect((await wkd(t, "mrtreinis", "kafe.example")).statusCode).toBe(404); // kafe: no key
      for (const hash of ["not-a-hash", "A".repeat(32), `${wkdHash("nuck")}x`]) {
        const response = await t.app.inject({ method: "GET", url: `/.well-known/openpgpkey/hu/${hash}` });
        expect(response.statusCode).toBe(404);
      }
    });
  });
});

describe.each(databases)("a policy's own key, and a stored one, on $name", (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database.open, {}, { policies: "test/fixtures/policies" });
  });
  afterAll(async () => {
    await t.close();
  });

  it("serves the policy's key until a key is stored, then the stored one", async () => {
    const policyKey = t.programs.get("acme")!.programKey!.armored;
    const before = await t.app.inject({ method: "GET", url: "/p/acme/openpgp.asc" });
    expect(before.body).toBe(policyKey);
    const txt = await t.app.inject({ method: "GET", url: "/p/acme/security.txt" });
    expect(txt.body).toContain(`\nEncryption: ${PUBLIC_URL}/p/acme/openpgp.asc\n`);
    // The policy's key has no user ID for security@acme.example: not served through WKD.
    expect((await wkd(t, "security", "acme.example")).statusCode).toBe(404);

    const stored = await generateProgramKey({ name: "Acme", emails: ["security@acme.example"] });
    await saveProgramKey(t.store, t.keyring, { program: "acme", ...stored }, t.clock.now());
    const after = await t.app.inject({ method: "GET", url: "/p/acme/openpgp.asc" });
    expect(after.body).toBe(stored.armoredPublicKey);
    const txtAfter = await t.app.inject({ method: "GET", url: "/.well-known/security.txt" });
    expect(txtAfter.body).toContain(`\nEncryption: ${PUBLIC_URL}/p/acme/openpgp.asc\n`);
    expect((await servedKey((await wkd(t, "security", "acme.example")).rawPayload)).fingerprint).toBe(
      stored.fingerprint,
    );
  });
});
