import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { PgpKeyError } from "./pgp-keys.js";
import { binaryKeyFor, wkdHash, wkdPath } from "./wkd.js";

describe("wkdHash", () => {
  it("matches the draft's test vector", () => {
    expect(wkdHash("Joe.Doe")).toBe("iy9q119eutrkn8s1mk4r39qejnbu3n5q");
    expect(wkdHash("joe.doe")).toBe("iy9q119eutrkn8s1mk4r39qejnbu3n5q");
  });

  it("is 32 z-base-32 characters for any local part", () => {
    for (const local of ["a", "security", "very.long.local+part", "ünïcode"]) {
      expect(wkdHash(local)).toMatch(/^[ybndrfg8ejkmcpqxot1uwisza345h769]{32}$/);
    }
    expect(wkdHash("a")).not.toBe(wkdHash("b"));
  });
});

describe("wkdPath", () => {
  it("gives the direct-method location, keeping the local part's case in l=", () => {
    expect(wkdPath("Joe.Doe@Example.ORG")).toEqual({
      domain: "example.org",
      hash: "iy9q119eutrkn8s1mk4r39qejnbu3n5q",
      localPart: "Joe.Doe",
      path: "/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe",
      url: "https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe",
    });
    expect(wkdPath("a+b@x.example").path).toMatch(/\?l=a%2Bb$/);
  });

  it("rejects what is not a bare address", () => {
    expect(() => wkdPath("no-at-sign")).toThrow(RangeError);
    expect(() => wkdPath("@x.example")).toThrow(RangeError);
    expect(() => wkdPath("Joe <joe@x.example>")).toThrow(RangeError);
  });
});

describe("binaryKeyFor", () => {
  let keys: { privateKey: string; publicKey: string };

  beforeAll(async () => {
    keys = await openpgp.generateKey({
      userIDs: [
        { name: "Acme PSIRT", email: "security@acme.example" },
        { name: "Acme PSIRT", email: "psirt@acme.example" },
      ],
    });
  });

  it("returns the binary public key with only that address's user ID", async () => {
    const binary = await binaryKeyFor(keys.publicKey, "PSIRT@acme.example");
    expect(binary[0]! & 0x80).toBe(0x80); // an OpenPGP packet, not armor text
    const key = await openpgp.readKey({ binaryKey: binary });
    expect(key.isPrivate()).toBe(false);
    expect(key.getUserIDs()).toEqual(["Acme PSIRT <psirt@acme.example>"]);
    expect(key.subkeys).toHaveLength(1);
    await expect(key.verifyPrimaryKey()).resolves.toBeUndefined();
  });

  it("refuses a private key and an address the key does not have", async () => {
    await expect(binaryKeyFor(keys.privateKey, "security@acme.example")).rejects.toThrow(
      "this is a private key; give the public key",
    );
    await expect(binaryKeyFor(keys.publicKey, "other@acme.example")).rejects.toBeInstanceOf(PgpKeyError);
  });
});
