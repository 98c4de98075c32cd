import type { LoadedPolicy } from "../policy/loader.js";
import type { Store } from "../store/database.js";
import { publishedPublicKey } from "../store/program-keys.js";
import { PgpKeyError } from "./pgp-keys.js";
import { programAddresses } from "./program-addresses.js";
import { binaryKeyFor, wkdHash } from "./wkd.js";

/**
 * Where a program's public key is published: /p/<program>/openpgp.asc, the Encryption field of
 * its security.txt, and the Web Key Directory of its addresses.
 */

export interface PublishedKey {
  armored: string;
  /** `database`: made or imported with `embargo keys pgp`; `policy`: the policy's encryption.openpgpKey. */
  source: "database" | "policy";
}

/** The program's public key: its active key in the database, else the one its policy names. */
export async function programPublicKey(
  store: Store,
  loaded: LoadedPolicy,
): Promise<PublishedKey | undefined> {
  const stored = await publishedPublicKey(store, loaded.policy.program.slug);
  if (stored !== undefined) return { armored: stored, source: "database" };
  if (loaded.programKey !== undefined) return { armored: loaded.programKey.armored, source: "policy" };
  return undefined;
}

/**
 * WKD direct method: the binary key for the program address whose local part hashes to `hash`.
 * One instance may serve several domains, and the hash covers only the local part, so when the
 * request's host is the domain of a matching address only that domain's addresses count; for any
 * other host (a proxy's name, an IP), every matching address does, the first program by slug
 * winning. The key served holds only that address's user ID; a key without it is not served.
 */
export async function wkdKey(
  store: Store,
  programs: readonly LoadedPolicy[],
  hash: string,
  host: string | undefined,
): Promise<Uint8Array | undefined> {
  const candidates = programs.flatMap((loaded) =>
    programAddresses(loaded.policy)
      .filter((address) => wkdHash(localPart(address)) === hash)
      .map((address) => ({ loaded, address, domain: address.slice(address.lastIndexOf("@") + 1) })),
  );
  const wantedDomain = host?.toLowerCase().replace(/\.$/, "");
  const sameDomain = candidates.filter((candidate) => candidate.domain === wantedDomain);
  for (const { loaded, address } of sameDomain.length > 0 ? sameDomain : candidates) {
    const key = await programPublicKey(store, loaded);
    if (key === undefined) continue;
    try {
      return await binaryKeyFor(key.armored, address);
    } catch (error) {
      if (error instanceof PgpKeyError) continue; // no user ID for it, expired, revoked: not served
      throw error;
    }
  }
  return undefined;
}

function localPart(address: string): string {
  return address.slice(0, address.lastIndexOf("@"));
}
