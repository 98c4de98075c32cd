import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";

/**
 * A passkey in software, for tests that drive the server without a browser: it answers the
 * options the server sends as an authenticator would (ES256 key, "none" attestation), and lets a
 * test say what a real one would not (a counter that goes back, another origin, no user
 * verification). The browser tests use Chromium's own virtual authenticator instead.
 */
export class SoftPasskey {
  readonly id = randomBytes(16).toString("base64url");
  readonly #key: KeyObject;
  readonly #publicJwk: { x: string; y: string };
  /** The signature counter: given at registration, one more at each assertion; 0 stays 0 (an authenticator that does not count). */
  counter: number;
  userHandle: string | undefined;

  constructor(
    readonly site: { rpId: string; origin: string },
    options: { counter?: number } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.#key = privateKey;
    const jwk = publicKey.export({ format: "jwk" });
    this.#publicJwk = { x: jwk.x ?? "", y: jwk.y ?? "" };
    this.counter = options.counter ?? 0;
  }

  /** What startRegistration() returns for `options` (the JSON the server sent). */
  register(options: { challenge: string; user: { id: string } }) {
    this.userHandle = options.user.id;
    const clientDataJSON = this.#clientData("webauthn.create", options.challenge, this.site.origin);
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(this.#publicJwk.x, "base64url"))],
        [-3, new Uint8Array(Buffer.from(this.#publicJwk.y, "base64url"))],
      ]),
    );
    const credentialId = Buffer.from(this.id, "base64url");
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      this.#authDataHead(0x45, this.counter),
      Buffer.alloc(16),
      idLength,
      credentialId,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map<string, string>()],
        ["authData", new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: {
        clientDataJSON,
        attestationObject: Buffer.from(attestationObject).toString("base64url"),
        transports: ["internal"],
      },
      authenticatorAttachment: "platform" as const,
      clientExtensionResults: {},
    };
  }

  /**
   * What startAuthentication() returns for `options`. Each call moves the counter on by one first
   * (when it counts); `as` overrides what a real authenticator would not let one choose.
   */
  assert(
    options: { challenge: string },
    as: { counter?: number; userVerified?: boolean; origin?: string; challenge?: string } = {},
  ) {
    if (as.counter === undefined && this.counter > 0) this.counter += 1;
    const counter = as.counter ?? this.counter;
    const clientDataJSON = this.#clientData(
      "webauthn.get",
      as.challenge ?? options.challenge,
      as.origin ?? this.site.origin,
    );
    const authData = this.#authDataHead(as.userVerified === false ? 0x01 : 0x05, counter);
    const clientHash = createHash("sha256").update(Buffer.from(clientDataJSON, "base64url")).digest();
    const signature = sign("sha256", Buffer.concat([authData, clientHash]), this.#key);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: {
        clientDataJSON,
        authenticatorData: authData.toString("base64url"),
        signature: signature.toString("base64url"),
        ...(this.userHandle === undefined ? {} : { userHandle: this.userHandle }),
      },
      authenticatorAttachment: "platform" as const,
      clientExtensionResults: {},
    };
  }

  /** rpIdHash, flags (UP 0x01, UV 0x04, AT 0x40), the signature counter. */
  #authDataHead(flags: number, counter: number): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([createHash("sha256").update(this.site.rpId).digest(), Buffer.from([flags]), count]);
  }

  #clientData(type: string, challenge: string, origin: string): string {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })).toString("base64url");
  }
}
