import { readFile } from "node:fs/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { InstantText } from "../../domain/calendar/instant-text.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { Keeper } from "../../policy/promises.js";
import { RENDER_FORMATS, type RenderFormat } from "../../policy/render/formats.js";
import { instantOption, readInstant } from "./instant-option.js";

/** Output streams and environment of `embargo policy`; defaults are the process's own. Injected by tests. */
export interface PolicyCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Where EMBARGO_SIGNING_KEY_PASSPHRASE is read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Exit code 1 without a message of its own: the problems are printed already. */
const problemsFound = () => new CommanderError(1, "embargo.policy.problems", "the policy has problems");

/** The loader (zod, YAML), loaded by the actions as the renderers are: `--help` needs neither. */
async function policyLoader() {
  const [{ loadPolicies }, { formatProblem }] = await Promise.all([
    import("../../policy/loader.js"),
    import("../../policy/problems.js"),
  ]);
  return { loadPolicies, formatProblem };
}

export function policyCommand(io: PolicyCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const env = io.env ?? process.env;
  /** Loads one policy file; on problems prints them and fails with exit code 1. */
  const loadOne = async (file: string): Promise<LoadedPolicy> => {
    const { loadPolicies, formatProblem } = await policyLoader();
    const { policies, problems } = await loadPolicies(file);
    for (const problem of problems) stderr(`${formatProblem(problem)}\n`);
    if (problems.length > 0 || policies[0] === undefined) throw problemsFound();
    return policies[0];
  };

  const policy = new Command("policy")
    .description("check, render and inspect program policy files")
    // Before the sub-commands: .command() copies these settings into each.
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride();

  policy
    .command("check")
    .description(
      "check a policy file, or every policy file in a folder; prints every problem and exits 1 if any",
    )
    .argument("<path>", "a policy file or a folder of policy files")
    .option(
      "--explain",
      "also print, for each key a file uses, whether Embargo enforces it, only publishes it, or does not enforce it yet (a warning)",
    )
    .action(async (path: string, options: { explain?: boolean }) => {
      const { loadPolicies, formatProblem } = await policyLoader();
      const { policies, problems } = await loadPolicies(path);
      for (const problem of problems) stderr(`${formatProblem(problem)}\n`);
      if (problems.length > 0) {
        stderr(`${problems.length} problem(s) found\n`);
        throw problemsFound();
      }
      for (const loaded of policies) {
        if (options.explain === true) {
          const { lines, warnings } = await explainPolicyFile(loaded);
          for (const line of lines) stdout(`${line}\n`);
          for (const warning of warnings) stderr(`${warning}\n`);
        }
        stdout(`ok ${loaded.file} (${loaded.policy.program.slug})\n`);
      }
    });

  policy
    .command("render")
    .description("render a policy as SECURITY.md, security.txt (RFC 9116), an HTML page or normalized JSON")
    .argument("<file>", "a policy file")
    .addOption(new Option("--format <format>", "output format").choices(RENDER_FORMATS).makeOptionMandatory())
    .option(
      "--now <instant>",
      "the clock (ISO 8601; without an offset, in the program's time zone); the same clock gives the same output",
      instantOption,
    )
    .option("--public-url <url>", "where Embargo serves this program, e.g. https://security.example.org")
    .option("--expires-in-days <days>", "security.txt: days until Expires (1 to 365)", parseDays)
    .option(
      "--sign-key <file>",
      "security.txt: sign with this armored OpenPGP private key (passphrase from EMBARGO_SIGNING_KEY_PASSPHRASE)",
    )
    .action(async (file: string, options: RenderCliOptions) => {
      const loaded = await loadOne(file);
      const now =
        options.now === undefined
          ? new Date()
          : await instantIn(loaded, ["render", "--now"], options.now, stderr);
      const [{ renderPolicy }, { signSecurityTxt }] = await Promise.all([
        import("../../policy/render/index.js"),
        import("../../policy/render/security-txt.js"),
      ]);
      const renderOptions = {
        now,
        ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
        ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }),
      };
      let output = renderPolicy(loaded, options.format, renderOptions);
      if (options.signKey !== undefined) {
        if (options.format !== "security.txt")
          throw new Error("--sign-key applies to --format security.txt only");
        const passphrase = env.EMBARGO_SIGNING_KEY_PASSPHRASE;
        output = await signSecurityTxt(output, await readFile(options.signKey, "utf8"), {
          now,
          ...(passphrase === undefined ? {} : { passphrase }),
        });
      }
      stdout(output);
    });

  policy
    .command("clocks")
    .description("print, as JSON, when each clock of a program falls due for a report received at an instant")
    .argument("<file>", "a policy file")
    .requiredOption(
      "--received <instant>",
      "when the report arrives (ISO 8601, e.g. 2026-11-27T18:30:00-08:00; without an offset, in the program's time zone)",
      instantOption,
    )
    .action(async (file: string, options: { received: InstantText }) => {
      const loaded = await loadOne(file);
      const received = await instantIn(loaded, ["clocks", "--received"], options.received, stderr);
      const { dueDatesForReport } = await import("../../domain/clocks/due-dates.js");
      stdout(`${JSON.stringify(dueDatesForReport(loaded.policy, received), null, 2)}\n`);
    });

  policy
    .command("schema")
    .description("print the JSON Schema of policy files (for editors and CI)")
    .action(async () => {
      const { policyJsonSchema } = await import("../../policy/json-schema.js");
      stdout(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
    });

  return policy;
}

interface RenderCliOptions {
  format: RenderFormat;
  now?: InstantText;
  publicUrl?: string;
  expiresInDays?: number;
  signKey?: string;
}

/**
 * `policy check --explain`: who keeps the promise of each key the file writes (src/policy/promises.ts).
 * Keys are read from the file as written, so what defaults fill in is not listed. Keys not enforced
 * yet are warnings: the file is valid, but Embargo does not yet do what it says.
 */
async function explainPolicyFile(loaded: LoadedPolicy): Promise<{ lines: string[]; warnings: string[] }> {
  const [{ parseYamlSource }, { schemaKeyPaths, usedKeyPaths }, { PROMISES }] = await Promise.all([
    import("../../policy/yaml-source.js"),
    import("../../policy/schema-keys.js"),
    import("../../policy/promises.js"),
  ]);
  const written = parseYamlSource(loaded.file, await readFile(loaded.file, "utf8")).data;
  const used = usedKeyPaths(written, new Set(schemaKeyPaths()));
  const keepers = used.map((path) => ({ path, keeper: PROMISES[path] }));
  const count = (kind: Keeper["keeper"]) => keepers.filter(({ keeper }) => keeper?.keeper === kind).length;
  const lines = [
    `${loaded.file} (${loaded.policy.program.slug}): ${used.length} keys used: ${count("enforced")} enforced, ` +
      `${count("published-only")} published only, ${count("not-yet")} not enforced yet`,
  ];
  const warnings: string[] = [];
  for (const { path, keeper } of keepers) {
    if (keeper === undefined)
      lines.push(`  ${"unexplained".padEnd(15)} ${path}: not in the promise catalogue`);
    else if (keeper.keeper === "enforced") {
      const proof = keeper.tests.length === 0 ? " (no test proves it yet)" : "";
      lines.push(`  ${"enforced".padEnd(15)} ${path}: ${keeper.what}${proof}`);
    } else if (keeper.keeper === "published-only") {
      lines.push(`  ${"published only".padEnd(15)} ${path}: ${keeper.reason}`);
    } else {
      warnings.push(
        `warning: ${loaded.file}: ${path} is NOT enforced yet (issue #${keeper.issue}): ${keeper.what}`,
      );
    }
  }
  return { lines, warnings };
}

/** An instant option's value; one without an offset is read in the program's time zone, and said so. */
async function instantIn(
  loaded: LoadedPolicy,
  [command, option]: [command: string, option: string],
  value: InstantText,
  stderr: (text: string) => void,
): Promise<Date> {
  const { instant, note } = await readInstant(option, value, loaded.policy.serviceLevels.calendar.timeZone);
  if (note !== undefined) stderr(`embargo policy ${command}: ${note}\n`);
  return instant;
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new InvalidArgumentError("expected 1 to 365");
  return days;
}
