import type * as openpgp from "openpgp";

/**
 * Where mail code gets a program's OpenPGP keys: the signing key (the active one) and every key
 * that may have been used to encrypt mail to the program (retired ones too). The store implements
 * it over `program_keys`; keys are decrypted from the database on use.
 */
export interface ProgramKeySource {
  signingKey(program: string): Promise<openpgp.PrivateKey | undefined>;
  decryptionKeys(program: string): Promise<openpgp.PrivateKey[]>;
}
