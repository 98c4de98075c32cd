import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * What `embargo serve` tells the other `embargo` commands about itself: at each start it writes
 * `<EMBARGO_DATA_DIR>/embargo.env` (mode 0600; src/save-settings.ts) with the settings it runs
 * with that a command needs to find the same installation and print links that work (the public
 * URL, the database, the policies, the listen address). The commands read it under the environment and embargo.yaml
 * (config.ts); the server never reads it, so the file always says what the last start got from
 * its environment, embargo.yaml and the defaults. Never a secret: not the master key, not the
 * mail relay's or mailbox's URL, and the database URL without its password.
 */
export const SAVED_SETTINGS_FILE = "embargo.env";

export const SAVED_SETTINGS = [
  "EMBARGO_PUBLIC_URL",
  "EMBARGO_DATABASE_URL",
  "EMBARGO_POLICIES",
  "EMBARGO_HOST",
  "EMBARGO_PORT",
] as const;

export type SavedSetting = (typeof SAVED_SETTINGS)[number];

export function savedSettingsFile(dataDir: string): string {
  return path.join(dataDir, SAVED_SETTINGS_FILE);
}

/** Checks one value as the configuration would; a sentence when it is not valid. */
export type CheckSetting = (name: SavedSetting, value: string) => string | undefined;

const LINE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;
const isSaved = (name: string): name is SavedSetting => (SAVED_SETTINGS as readonly string[]).includes(name);
const FIX = "correct or delete the file (`embargo serve` writes it again at its next start)";

/**
 * The settings in the data folder's file: none when there is no file, else every line checked,
 * or the first problem as a sentence naming the file and line (never a value: a hand-edited file
 * may hold one that should not be printed).
 */
export function readSavedSettings(
  dataDir: string,
  check: CheckSetting,
): { values: Partial<Record<SavedSetting, string>> } | { problem: string } {
  const file = savedSettingsFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { values: {} };
    const fix =
      code === "EACCES" || code === "EPERM"
        ? "run embargo as the user that runs embargo serve (the file is theirs alone)"
        : "delete it (`embargo serve` writes it again at its next start)";
    return { problem: `${file}: cannot read it (${code ?? "error"}); ${fix}` };
  }
  const values: Partial<Record<SavedSetting, string>> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const at = `${file}:${index + 1}`;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const match = LINE.exec(line);
    const name = match?.[1];
    const value = match?.[2]?.trim();
    if (name === undefined || value === undefined)
      return { problem: `${at}: expected NAME=value or a # comment; ${FIX}` };
    if (!isSaved(name))
      return {
        problem: `${at}: ${name} is not kept in this file (only ${SAVED_SETTINGS.join(", ")}); set it in the environment or embargo.yaml, and ${FIX}`,
      };
    if (values[name] !== undefined) return { problem: `${at}: ${name} is set twice; ${FIX}` };
    if (name === "EMBARGO_DATABASE_URL" && withoutPassword(value)?.removed === true)
      return {
        problem: `${at}: EMBARGO_DATABASE_URL holds a password, and this file keeps none: give the password in the environment (EMBARGO_DATABASE_URL or PGPASSWORD) or in ~/.pgpass, and ${FIX}`,
      };
    const invalid = check(name, value);
    if (invalid !== undefined) return { problem: `${at}: ${name}: ${invalid}; ${FIX}` };
    values[name] = value;
  }
  return { values };
}

/** A PostgreSQL URL without its password (in the user part or as a parameter); others as given. */
export function withoutPassword(databaseUrl: string): { url: string; removed: boolean } | undefined {
  if (!/^postgres(ql)?:/.test(databaseUrl)) return { url: databaseUrl, removed: false };
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return undefined;
  }
  const parameters = ["password", "sslpassword"].filter((name) => url.searchParams.has(name));
  if (url.password === "" && parameters.length === 0) return { url: databaseUrl, removed: false };
  url.password = "";
  for (const name of parameters) url.searchParams.delete(name);
  return { url: url.toString(), removed: true };
}
