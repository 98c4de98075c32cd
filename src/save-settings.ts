import { randomBytes } from "node:crypto";
import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { type SavedSetting, savedSettingsFile, withoutPassword } from "./saved-settings.js";

// `embargo serve` writes, at each start, the settings the other commands read from the data
// folder (src/saved-settings.ts says what and why). Not in that module: config.ts reads through
// it, and this side needs the Config type (a cycle, even type-only).

/** Relative paths as the server resolved them: a command may run from another folder. */
function absoluteDatabaseUrl(databaseUrl: string): string {
  if (!databaseUrl.startsWith("sqlite:") || databaseUrl === "sqlite::memory:") return databaseUrl;
  return `sqlite:${path.resolve(databaseUrl.slice("sqlite:".length))}`;
}

/** A value the file can hold on one line and read back as it was. */
const fitsOnALine = (value: string) => !/[\r\n]/.test(value) && value.trim() === value && value !== "";

/** The file's text for a server listening on `port` with `config`. */
export function savedSettingsText(config: Config, port: number, now: Date): string {
  const database = withoutPassword(absoluteDatabaseUrl(config.databaseUrl));
  const values: [SavedSetting, string | undefined][] = [
    ["EMBARGO_PUBLIC_URL", config.publicUrl],
    ["EMBARGO_DATABASE_URL", database?.url],
    ["EMBARGO_POLICIES", path.resolve(config.policies)],
    ["EMBARGO_HOST", config.host],
    ["EMBARGO_PORT", String(port)],
  ];
  const lines = [
    `# Written by \`embargo serve\` at its start (${now.toISOString()}), and again at every start.`,
    "# The embargo commands read it to find this installation and to print links under its",
    "# public URL; the environment and embargo.yaml override it. It holds no secret: never the",
    "# master key, and the database URL without its password.",
  ];
  if (database?.removed === true)
    lines.push(
      "# The database's password is not here: give the commands EMBARGO_DATABASE_URL in full,",
      "# or PGPASSWORD, or a ~/.pgpass entry.",
    );
  for (const [name, value] of values)
    if (value !== undefined && fitsOnALine(value)) lines.push(`${name}=${value}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Writes the file for the commands (a new file renamed over the old one, so that a command never
 * reads half of it). A failure does not stop the server: it is logged, and the commands fall back
 * to their own settings.
 */
export async function saveSettingsForCommands(
  config: Config,
  port: number,
  options: { logger: Logger; now: Date },
): Promise<void> {
  const file = savedSettingsFile(config.dataDir);
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}`;
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    // `wx`: a new file, so the mode applies (an existing file would keep its own).
    await writeFile(temporary, savedSettingsText(config, port, options.now), { mode: 0o600, flag: "wx" });
    await rename(temporary, file);
    options.logger.info(
      { file },
      "saved the settings the embargo commands read (public URL, database, policies)",
    );
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    options.logger.warn(
      { file, reason: (error as NodeJS.ErrnoException).code ?? "error" },
      "could not save the settings for the embargo commands: give them EMBARGO_PUBLIC_URL and EMBARGO_DATABASE_URL yourself",
    );
  }
}
