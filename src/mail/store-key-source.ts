import type * as openpgp from "openpgp";
import type { Keyring } from "../crypto/keyring.js";
import type { Store } from "../store/database.js";
import { activeProgramKey, programDecryptionKeys } from "../store/program-keys.js";
import { readPrivateKey } from "./pgp-keys.js";
import type { ProgramKeySource } from "./program-key-source.js";

/**
 * Program keys from the database, parsed once per key and kept in memory (the private keys are in
 * this process's memory anyway while it signs and decrypts; parsing costs more than the query).
 * The active key is looked up on every use, so a key generated or imported on another instance is
 * picked up.
 */
export function storeKeySource(store: Store, keyring: Keyring): ProgramKeySource {
  const parsed = new Map<string, Promise<openpgp.PrivateKey>>();
  const parse = (fingerprint: string, armored: string) => {
    let key = parsed.get(fingerprint);
    if (key === undefined) {
      key = readPrivateKey(armored);
      parsed.set(fingerprint, key);
    }
    return key;
  };
  return {
    async signingKey(program) {
      const pair = await activeProgramKey(store, keyring, program);
      return pair === undefined ? undefined : parse(pair.fingerprint, pair.privateKey);
    },
    async decryptionKeys(program) {
      const pairs = await programDecryptionKeys(store, keyring, program);
      return Promise.all(pairs.map((pair) => parse(pair.fingerprint, pair.privateKey)));
    },
  };
}
