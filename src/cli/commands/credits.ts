import { Command, InvalidArgumentError } from "commander";
import type { Config } from "../../config.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { type ConfigSource, processConfig } from "./settings.js";
import { withStore } from "./store-io.js";

/** Output streams, settings and clock of `embargo credits`; injected by tests. */
export interface CreditsCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  config?: ConfigSource;
  now?: () => Date;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function sinceDate(value: string): Date {
  const date = new Date(`${value}T00:00:00Z`);
  if (!DAY.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw new InvalidArgumentError("a date as YYYY-MM-DD");
  return date;
}

function markdownFormat(value: string): "markdown" {
  if (value !== "markdown") throw new InvalidArgumentError('the only format is "markdown"');
  return value;
}

/**
 * `embargo credits --program kafe [--since YYYY-MM-DD] [--format markdown]`: the acknowledgments
 * snippet for the program's source repository (src/domain/credit/snippet.ts), read from the
 * database (EMBARGO_DATABASE_URL, EMBARGO_SECRET_KEY) with the policy's rules: the reporters of
 * published cases the rules credit, newest first; `--since`: published on or after that day (UTC),
 * e.g. the previous release's date.
 */
export function creditsCommand(io: CreditsCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const config = io.config ?? processConfig;
  const now = io.now ?? (() => new Date());

  const programOf = async (settings: Config, slug: string): Promise<LoadedPolicy> => {
    const { loadPolicies } = await import("../../policy/loader.js");
    const { policies } = await loadPolicies(settings.policies);
    const found = policies.find((loaded) => loaded.policy.program.slug === slug);
    if (found !== undefined) return found;
    const slugs = policies.map((loaded) => loaded.policy.program.slug).sort();
    throw new Error(`no program "${slug}" in ${settings.policies} (programs: ${slugs.join(", ")})`);
  };

  return new Command("credits")
    .description("Print the acknowledgments snippet (Markdown) of a program's credited reporters")
    .requiredOption("--program <slug>", "the program")
    .option("--since <YYYY-MM-DD>", "only credits published on or after this day (UTC)", sinceDate)
    .option("--format <format>", "the output format: markdown", markdownFormat, "markdown")
    .action(async (options: { program: string; since?: Date; format: "markdown" }) => {
      const settings = await config();
      const loaded = await programOf(settings, options.program);
      if (loaded.policy.recognition.credit === undefined)
        throw new Error(`${options.program}'s policy promises no credit (recognition.credit)`);
      const [{ loadMasterKey }, { acknowledgmentsMarkdown }, { readPublishedCredits }, { loadKeyring }] =
        await Promise.all([
          import("../../crypto/master-key.js"),
          import("../../domain/credit/snippet.js"),
          import("../../store/credits.js"),
          import("../../store/data-keys.js"),
        ]);
      const masterKey = await loadMasterKey(settings);
      const storeOptions = {
        databaseUrl: settings.databaseUrl,
        dataDir: settings.dataDir,
        secretKey: settings.secretKey,
      };
      const credits = await withStore(storeOptions, async (store) =>
        readPublishedCredits(
          store.db,
          await loadKeyring(store, masterKey),
          loaded.policy,
          now(),
          options.since,
        ),
      );
      stdout(acknowledgmentsMarkdown(credits));
    });
}
