import { open } from "node:fs/promises";
import { Command, Option } from "commander";
import type { ImportFormat } from "../../commands/advisory-import.js";
import type { Config } from "../../config.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { withStore } from "./store-io.js";

/** Output streams, settings and clock of `embargo advisory`; injected by tests. */
export interface AdvisoryCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Read by the action only (as ./settings.ts's ConfigSource): `embargo --help` loads no settings. */
  config?: () => Config | Promise<Config>;
  now?: () => Date;
}

/** As src/commands/advisory-import.ts has them; here so that defining the command loads nothing more. */
const IMPORT_FORMATS: readonly ImportFormat[] = ["csaf", "osv"];

/** The largest document `advisory import` reads: OASIS's and OSV's examples are a few kilobytes. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** A stranger's text in a message: quoted, control characters escaped, cut short. */
const shown = (text: string) => JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ELOOP: "too many symbolic links",
};

function readError(file: string, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === "string" ? (READ_ERRORS[code] ?? code) : "unreadable";
  return new Error(`cannot read ${shown(file)}: ${reason}`);
}

/** The file's bytes, at most MAX_IMPORT_BYTES: read in bounded steps, as a pipe or device may have no size. */
async function readBounded(file: string): Promise<Buffer> {
  const tooBig = new Error(
    `${shown(file)} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB: a CSAF or OSV document is far smaller`,
  );
  const handle = await open(file, "r").catch((error: unknown) => {
    throw readError(file, error);
  });
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new Error(`cannot read ${shown(file)}: it is a directory`);
    if (info.size > MAX_IMPORT_BYTES) throw tooBig;
    const buffer = Buffer.alloc(MAX_IMPORT_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle
        .read(buffer, length, buffer.length - length, null)
        .catch((error: unknown) => {
          throw readError(file, error);
        });
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_IMPORT_BYTES) throw tooBig;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** The file's one JSON object; anything else is refused with what it is instead. */
export async function readDocument(file: string): Promise<Record<string, unknown>> {
  const bytes = await readBounded(file);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new Error(`${shown(file)} is not UTF-8 text: a CSAF or OSV document is JSON`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text: say where the problem is, not what it is.
    throw new Error(`${shown(file)} is not JSON: a CSAF or OSV document is one JSON object`);
  }
  if (Array.isArray(parsed))
    throw new Error(
      `${shown(file)} holds a JSON array: import one CSAF or OSV document (a JSON object) per file`,
    );
  if (typeof parsed !== "object" || parsed === null)
    throw new Error(
      `${shown(file)} holds ${parsed === null ? "null" : `a JSON ${typeof parsed}`}, not a CSAF or OSV document (a JSON object)`,
    );
  return parsed as Record<string, unknown>;
}

/** CSAF names its version in `document.csaf_version`; an OSV record has `schema_version` or `id` and `modified`. */
export function detectFormat(doc: Record<string, unknown>): ImportFormat | undefined {
  const document = doc.document;
  if (typeof document === "object" && document !== null && "csaf_version" in document) return "csaf";
  if ("schema_version" in doc || ("id" in doc && "modified" in doc)) return "osv";
  return undefined;
}

async function programOf(settings: Config, slug: string): Promise<LoadedPolicy> {
  const { loadPolicies } = await import("../../policy/loader.js");
  const { policies } = await loadPolicies(settings.policies);
  const found = policies.find((loaded) => loaded.policy.program.slug === slug);
  if (found !== undefined) return found;
  const slugs = policies.map((loaded) => loaded.policy.program.slug).sort();
  throw new Error(`no program ${shown(slug)} in ${settings.policies} (programs: ${slugs.join(", ")})`);
}

interface ImportOptions {
  program: string;
  format?: ImportFormat;
  asset?: string;
}

/**
 * `embargo advisory import FILE --program <slug> [--format csaf|osv] [--asset <id>]`: a CSAF 2.0
 * or OSV document (JSON, at most 5 MB) becomes a new standalone advisory draft of the program in
 * the database (EMBARGO_DATABASE_URL, EMBARGO_SECRET_KEY, EMBARGO_POLICIES), not published: the
 * team reviews, approves and publishes it on the staff page the command prints
 * (EMBARGO_PUBLIC_URL/advisories/{program}/{id}). See src/commands/advisory-import.ts.
 */
export function advisoryCommand(io: AdvisoryCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const config = io.config ?? (async () => (await import("../../config.js")).loadConfig());
  const now = io.now ?? (() => new Date());

  const advisory = new Command("advisory").description("Work with a program's security advisories");
  advisory
    .command("import")
    .description("Import a CSAF 2.0 or OSV document as a new draft advisory of a program (not published)")
    .argument("<file>", "the document (JSON, at most 5 MB)")
    .requiredOption("--program <slug>", "the program the advisory belongs to")
    .addOption(
      new Option("--format <format>", "the document's format (default: read from the document)").choices(
        IMPORT_FORMATS,
      ),
    )
    .option("--asset <id>", "the in-scope asset for the document's products that match none by id or name")
    .action(async (file: string, options: ImportOptions) => {
      const settings = await config();
      const loaded = await programOf(settings, options.program);
      const document = await readDocument(file);
      const format = options.format ?? detectFormat(document);
      if (format === undefined)
        throw new Error(
          `cannot tell the format of ${shown(file)}: a CSAF document has document.csaf_version, an OSV record schema_version or id and modified; give --format csaf or osv`,
        );
      // What the import needs, loaded when it runs (see src/cli/program.ts).
      const [{ importAdvisory }, { loadMasterKey }, { loadKeyring }, { InvalidCaseCommandError }] =
        await Promise.all([
          import("../../commands/advisory-import.js"),
          import("../../crypto/master-key.js"),
          import("../../store/data-keys.js"),
          import("../../store/staff-errors.js"),
        ]);
      const masterKey = await loadMasterKey(settings);
      const storeOptions = {
        databaseUrl: settings.databaseUrl,
        dataDir: settings.dataDir,
        secretKey: settings.secretKey,
      };
      const publicUrl = settings.publicUrl;
      const imported = await withStore(storeOptions, async (store) =>
        importAdvisory(
          { store, keyring: await loadKeyring(store, masterKey) },
          loaded.policy,
          { format, document, asset: options.asset },
          now(),
          publicUrl,
        ),
      ).catch((error: unknown) => {
        // The placement refusal names the way out, which only the command line knows.
        if (error instanceof InvalidCaseCommandError && error.field === "placement")
          throw new Error(`${error.message} (--asset <id>)`);
        throw error;
      });
      const slug = loaded.policy.program.slug;
      const lines = [
        `Imported the ${format === "csaf" ? "CSAF" : "OSV"} document ${shown(imported.sourceId)} as a draft advisory of ${slug} (not published).`,
        `id: ${imported.advisoryId}`,
        `staff page: ${publicUrl}/advisories/${slug}/${imported.advisoryId}`,
        ...imported.placements.map(
          (placed) => `placed ${shown(placed.product)} on the asset ${placed.asset} (${placed.rule})`,
        ),
        ...imported.notKept.map((line) => `not kept as is: ${line}`),
        ...(imported.draft.summary === ""
          ? ["The draft has no summary: write one before publishing it."]
          : []),
        "A member of the team reviews, approves and publishes it there; publication gives it its tracking id.",
      ];
      stdout(`${lines.join("\n")}\n`);
    });
  return advisory;
}
