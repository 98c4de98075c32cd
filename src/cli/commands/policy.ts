import { Command } from "commander";
import { policyJsonSchema } from "../../policy/json-schema.js";
import { loadPolicies } from "../../policy/loader.js";
import { formatProblem } from "../../policy/problems.js";

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
    .command("schema")
    .description("print the JSON Schema of policy files (for editors and CI)")
    .action(() => {
      process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
    });

  return policy;
}
