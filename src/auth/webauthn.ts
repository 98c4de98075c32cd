import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { z } from "zod";
import { type Passkey, TRANSPORTS, type Transport } from "./passkeys.js";

/**
 * WebAuthn through @simplewebauthn/server: the options a browser's ceremony starts from, and
 * the checks of what it sends back (challenge, origin, RP ID, signature, user presence and
 * verification). The relying party is this Embargo's public URL (EMBARGO_PUBLIC_URL): its host
 * is the RP ID, its origin the only origin accepted, so a look-alike site gets nothing it can
 * replay here. The library's error messages quote what the browser sent: they are never passed on.
 */
export interface RelyingParty {
  /** The RP ID: the public URL's host name (a passkey works on that host only). */
  id: string;
  /** The public URL's origin: what clientDataJSON must name. */
  origin: string;
  name: string;
}

export function relyingPartyOf(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, origin: url.origin, name: "Embargo" };
}

/** Ceremonies time out in the browser after this (the challenge lives a little longer). */
const CEREMONY_TIMEOUT_MS = 2 * 60_000;

// Credential ids are at most 1023 bytes (1364 base64url characters); the rest is a few kilobytes.
const Base64Url = z.string().regex(/^[A-Za-z0-9_-]*$/, "expected base64url");
const CredentialId = Base64Url.min(1).max(1400);
const Blob = Base64Url.max(16_384);
const Attachment = z.enum(["platform", "cross-platform"]).optional();

/** What the browser's startRegistration() returns, as posted to the server. */
export const RegistrationResponse = z.object({
  id: CredentialId,
  rawId: CredentialId,
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: Blob,
    attestationObject: Blob,
    authenticatorData: Blob.optional(),
    // Unknown transports are dropped, not refused: browsers add new ones.
    transports: z.array(z.string().max(32)).max(16).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: Blob.optional(),
  }),
  authenticatorAttachment: Attachment,
  clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
});
export type RegistrationResponse = z.output<typeof RegistrationResponse>;

/** What the browser's startAuthentication() returns. */
export const AuthenticationResponse = z.object({
  id: CredentialId,
  rawId: CredentialId,
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: Blob,
    authenticatorData: Blob,
    signature: Blob,
    userHandle: Base64Url.max(1024).optional(),
  }),
  authenticatorAttachment: Attachment,
  clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
});
export type AuthenticationResponse = z.output<typeof AuthenticationResponse>;

const ClientData = z.object({ challenge: Base64Url.min(1).max(1024) });

/**
 * The challenge the browser says it answered (from clientDataJSON), to find the stored one by.
 * Whether it is really ours, and signed, the verification below decides.
 */
export function challengeOf(response: { response: { clientDataJSON: string } }): string | undefined {
  try {
    const json: unknown = JSON.parse(
      Buffer.from(response.response.clientDataJSON, "base64url").toString("utf8"),
    );
    const parsed = ClientData.safeParse(json);
    return parsed.success ? parsed.data.challenge : undefined;
  } catch {
    return undefined;
  }
}

const knownTransports = (list: readonly string[] | undefined): Transport[] =>
  (list ?? []).filter((t): t is Transport => (TRANSPORTS as readonly string[]).includes(t));

/**
 * Options to create a passkey for `user`, not one of those they have already. Resident keys
 * (discoverable: a sign-in without typing the email) and user verification are preferred, not
 * required, so a security key without a PIN still works as a second factor.
 */
export function registrationOptions(
  rp: RelyingParty,
  user: { id: string; email: string },
  existing: readonly Pick<Passkey, "id" | "transports">[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    // Stable per member, and no personal data: the account's random id.
    userID: new TextEncoder().encode(user.id),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: [...p.transports] })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
}

export interface RegisteredPasskey {
  id: string;
  publicKey: string;
  counter: number;
  transports: Transport[];
}

/** Checks a registration against `challenge`; undefined when it does not verify. */
export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponse,
  challenge: string,
): Promise<RegisteredPasskey | undefined> {
  const json: RegistrationResponseJSON = {
    id: response.id,
    rawId: response.rawId,
    type: response.type,
    response: {
      clientDataJSON: response.response.clientDataJSON,
      attestationObject: response.response.attestationObject,
      transports: knownTransports(response.response.transports),
    },
    clientExtensionResults: {},
    ...(response.authenticatorAttachment === undefined
      ? {}
      : { authenticatorAttachment: response.authenticatorAttachment }),
  };
  try {
    const result = await verifyRegistrationResponse({
      response: json,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    if (!result.verified) return undefined;
    const { credential } = result.registrationInfo;
    return {
      id: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString("base64url"),
      counter: credential.counter,
      transports: knownTransports(credential.transports ?? json.response.transports),
    };
  } catch {
    return undefined;
  }
}

/**
 * Options to sign in. Without `allow`, any passkey of this site the authenticator holds
 * (discoverable credentials: the passkey names its member), with user verification required,
 * as the passkey is then both factors. With `allow` (the second step after a password), only
 * that member's passkeys, user verification preferred.
 */
export function authenticationOptions(
  rp: RelyingParty,
  allow?: readonly Pick<Passkey, "id" | "transports">[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    timeout: CEREMONY_TIMEOUT_MS,
    allowCredentials: (allow ?? []).map((p) => ({ id: p.id, transports: [...p.transports] })),
    userVerification: allow === undefined ? "required" : "preferred",
  });
}

/**
 * Checks an assertion against `challenge` and the stored passkey; the counter it carries, or
 * undefined when it does not verify. The counter is not compared here (the library would refuse
 * a copied key before checking its signature, so a forged counter could not be told from a real
 * copy): the caller compares it with the stored one once the signature is known to be good.
 */
export async function verifyAssertion(
  rp: RelyingParty,
  response: AuthenticationResponse,
  challenge: string,
  passkey: Pick<Passkey, "id" | "publicKey" | "transports">,
  requireUserVerification: boolean,
): Promise<{ counter: number } | undefined> {
  const json: AuthenticationResponseJSON = {
    id: response.id,
    rawId: response.rawId,
    type: response.type,
    response: {
      clientDataJSON: response.response.clientDataJSON,
      authenticatorData: response.response.authenticatorData,
      signature: response.response.signature,
      ...(response.response.userHandle === undefined ? {} : { userHandle: response.response.userHandle }),
    },
    clientExtensionResults: {},
  };
  try {
    const result = await verifyAuthenticationResponse({
      response: json,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.id,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, "base64url")),
        // Zero: the library skips its own counter check (see above).
        counter: 0,
        transports: [...passkey.transports],
      },
      requireUserVerification,
    });
    return result.verified ? { counter: result.authenticationInfo.newCounter } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A signature counter that did not go up: the authenticator counts (one of the two is nonzero)
 * and this assertion is not newer than the last one seen, so another copy of the key signed in
 * meanwhile, or this is that copy.
 */
export function counterWentBack(stored: number, received: number): boolean {
  return (received > 0 || stored > 0) && received <= stored;
}
