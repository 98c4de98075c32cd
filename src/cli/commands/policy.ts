import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import { dueDatesForReport } from "../../domain/clocks/due-dates.js";
import { policyJsonSchema } from "../../policy/json-schema.js";
import { type LoadedPolicy, loadPolicies } from "../../policy/loader.js";
import { formatProblem } from "../../policy/problems.js";
import { RENDER_FORMATS, type RenderFormat, renderPolicy } from "../../policy/render/index.js";
import { signSecurityTxt } from "../../policy/render/security-txt.js";

export function policyCommand(): Command {
  const policy = new Command("policy").description("check, render and inspect program policy files");

  policy
    .command("check")
    .description(
      "check a policy file, or every policy file in a folder; prints every problem and exits 1 if any",
    )
    .argument("<path>", "a policy file or a folder of policy files")
    .action(async (path: string) => {
      const { policies, problems } = await loadPolicies(path);
      for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
      if (problems.length > 0) {
        process.stderr.write(`${problems.length} problem(s) found\n`);
        process.exitCode = 1;
        return;
      }
      for (const loaded of policies)
        process.stdout.write(`ok ${loaded.file} (${loaded.policy.program.slug})\n`);
    });

  policy
    .command("render")
    .description("render a policy as SECURITY.md, security.txt (RFC 9116), an HTML page or normalized JSON")
    .argument("<file>", "a policy file")
    .addOption(new Option("--format <format>", "output format").choices(RENDER_FORMATS).makeOptionMandatory())
    .option("--now <instant>", "the clock (ISO 8601); the same clock gives the same output", parseInstant)
    .option("--public-url <url>", "where Embargo serves this program, e.g. https://security.example.org")
    .option("--expires-in-days <days>", "security.txt: days until Expires (1 to 365)", parseDays)
    .option(
      "--sign-key <file>",
      "security.txt: sign with this armored OpenPGP private key (passphrase from EMBARGO_SIGNING_KEY_PASSPHRASE)",
    )
    .action(async (file: string, options: RenderCliOptions) => {
      const loaded = await loadOne(file);
      if (loaded === undefined) return;
      const now = options.now ?? new Date();
      const renderOptions = {
        now,
        ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
        ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }),
      };
      let output = renderPolicy(loaded, options.format, renderOptions);
      if (options.signKey !== undefined) {
        if (options.format !== "security.txt")
          throw new Error("--sign-key applies to --format security.txt only");
        const passphrase = process.env.EMBARGO_SIGNING_KEY_PASSPHRASE;
        output = await signSecurityTxt(output, await readFile(options.signKey, "utf8"), {
          now,
          ...(passphrase === undefined ? {} : { passphrase }),
        });
      }
      process.stdout.write(output);
    });

  policy
    .command("clocks")
    .description("print, as JSON, when each clock of a program falls due for a report received at an instant")
    .argument("<file>", "a policy file")
    .requiredOption(
      "--received <instant>",
      "when the report arrives (ISO 8601, e.g. 2026-11-27T18:30:00-08:00)",
      parseInstant,
    )
    .action(async (file: string, options: { received: Date }) => {
      const loaded = await loadOne(file);
      if (loaded === undefined) return;
      process.stdout.write(
        `${JSON.stringify(dueDatesForReport(loaded.policy, options.received), null, 2)}\n`,
      );
    });

  policy
    .command("schema")
    .description("print the JSON Schema of policy files (for editors and CI)")
    .action(() => {
      process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
    });

  return policy;
}

/** Loads one policy file; on problems prints them, sets exit code 1 and returns nothing. */
async function loadOne(file: string): Promise<LoadedPolicy | undefined> {
  const { policies, problems } = await loadPolicies(file);
  for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
  if (problems.length > 0 || policies[0] === undefined) {
    process.exitCode = 1;
    return undefined;
  }
  return policies[0];
}

interface RenderCliOptions {
  format: RenderFormat;
  now?: Date;
  publicUrl?: string;
  expiresInDays?: number;
  signKey?: string;
}

function parseInstant(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError("expected an ISO 8601 instant such as 2026-11-25T09:00:00Z");
  }
  return date;
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new InvalidArgumentError("expected 1 to 365");
  return days;
}
