import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { readKey } from "openpgp";
import { at, type Raw, record, records, text } from "./raw.js";

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
  doc: Raw,
  policyFile: string,
): Promise<{ programKey?: ResolvedKey; contactKeys: Map<string, ResolvedKey>; problems: KeyProblem[] }> {
  const problems: KeyProblem[] = [];
  const contactKeys = new Map<string, ResolvedKey>();
  const baseDir = dirname(policyFile);

  // Malformed references (not a mapping, several sources) are the schema's to report.
  const load = async (value: unknown, path: (string | number)[]) => {
    const ref = record(value);
    const file = text(ref?.file);
    const armored = text(ref?.armored);
    if (ref === undefined || ref.url !== undefined || (file === undefined) === (armored === undefined))
      return undefined;
    let keyText: string;
    if (file !== undefined) {
      try {
        keyText = await readFile(resolve(baseDir, file), "utf8");
      } catch {
        problems.push({ path: [...path, "file"], message: `cannot read key file "${file}"` });
        return undefined;
      }
    } else {
      keyText = armored ?? "";
    }
    const where = file !== undefined ? [...path, "file"] : [...path, "armored"];
    try {
      const key = await readKey({ armoredKey: keyText });
      if (key.isPrivate()) {
        problems.push({
          path: where,
          message:
            "expected an OpenPGP public key, found a private key: never put a private key in a policy file",
        });
        return undefined;
      }
      return { armored: key.armor(), fingerprint: key.getFingerprint().toUpperCase() };
    } catch {
      problems.push({
        path: where,
        message: "expected an armored OpenPGP public key, found something that is not one",
      });
      return undefined;
    }
  };

  const programKey = await load(at(doc, "encryption", "openpgpKey"), ["encryption", "openpgpKey"]);
  for (const [index, contact] of records(doc.contacts).entries()) {
    const key = await load(contact?.openpgpKey, ["contacts", index, "openpgpKey"]);
    const id = text(contact?.id);
    if (key !== undefined && id !== undefined) contactKeys.set(id, key);
  }
  return { ...(programKey === undefined ? {} : { programKey }), contactKeys, problems };
}
