import { spawn } from "node:child_process";
import { POSTGRES_TEST_URL, type TestStore } from "./databases.js";

/**
 * Runs `store-child.ts <action>` as separate processes against the test store's database, all
 * started at once, and returns what each printed (parsed JSON).
 */
export async function runInstances(
  store: TestStore,
  action: "migrate" | "keyring",
  count: number,
  env: NodeJS.ProcessEnv = {},
): Promise<unknown[]> {
  const args =
    store.dialect === "sqlite" ? [`sqlite:${store.location}`] : [POSTGRES_TEST_URL, store.location];
  const startAt = String(Date.now() + 2500);
  return Promise.all(
    Array.from({ length: count }, () =>
      runChild([action, ...args], { ...env, EMBARGO_TEST_START_AT: startAt }),
    ),
  );
}

function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/store-child.ts", ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(stdout));
      else reject(new Error(`store-child ${args[0]} exited with ${code}: ${stderr}`));
    });
  });
}
