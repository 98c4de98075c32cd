import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { readKey } from "openpgp";
import type { OpenPgpKeyRefValue, Policy } from "./schema.js";

/** An OpenPGP public key referenced by a policy, read and checked. */
export interface ResolvedKey {
  armored: string;
  fingerprint: string;
}

export interface KeyProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Reads every key a policy references (the program's and each contact's) and checks that it
 * is a usable OpenPGP public key. A private key in a policy file is refused outright: policy
 * files live in git and are published.
 */
export async function resolvePolicyKeys(
  policy: Policy,
  policyFile: string,
): Promise<{ programKey?: ResolvedKey; contactKeys: Map<string, ResolvedKey>; problems: KeyProblem[] }> {
  const problems: KeyProblem[] = [];
  const contactKeys = new Map<string, ResolvedKey>();
  const baseDir = dirname(policyFile);

  const load = async (ref: OpenPgpKeyRefValue | undefined, path: (string | number)[]) => {
    if (ref === undefined || ref.url !== undefined) return undefined;
    let text: string;
    if (ref.file !== undefined) {
      try {
        text = await readFile(resolve(baseDir, ref.file), "utf8");
      } catch {
        problems.push({ path: [...path, "file"], message: `cannot read key file "${ref.file}"` });
        return undefined;
      }
    } else {
      text = ref.armored ?? "";
    }
    const where = ref.file !== undefined ? [...path, "file"] : [...path, "armored"];
    try {
      const key = await readKey({ armoredKey: text });
      if (key.isPrivate()) {
        problems.push({
          path: where,
          message: "expected an OpenPGP public key, found a private key: never put a private key in a policy file",
        });
        return undefined;
      }
      return { armored: key.armor(), fingerprint: key.getFingerprint().toUpperCase() };
    } catch {
      problems.push({ path: where, message: "expected an armored OpenPGP public key, found something that is not one" });
      return undefined;
    }
  };

  const programKey = await load(policy.encryption.openpgpKey, ["encryption", "openpgpKey"]);
  for (const [index, contact] of policy.contacts.entries()) {
    const key = await load(contact.openpgpKey, ["contacts", index, "openpgpKey"]);
    if (key !== undefined) contactKeys.set(contact.id, key);
  }
  return { ...(programKey === undefined ? {} : { programKey }), contactKeys, problems };
}
