import { z } from "zod";
import { serveBenchEmbargo, UNLIMITED } from "./embargo-server.js";
import type { Hosted } from "./support.js";

/**
 * The server of the soak benchmark (soak.ts), in a module of its own so that its child process
 * (child.ts) loads what `embargo serve` loads and not the load generator's code (nodemailer,
 * the relay): its RSS is what is measured.
 */
export const SOAK_SERVER_MODULE = import.meta.url;

const ServeSpec = z.object({
  databaseUrl: z.string(),
  dataDir: z.string(),
  smtpPort: z.number().int(),
  relayUrl: z.string(),
});

/** The settings `embargo serve` gets in the soak, on top of embargo-server.ts's. */
export function soakSettings(spec: { smtpPort: number; relayUrl: string }): Record<string, string> {
  return {
    EMBARGO_WORKER: "on",
    EMBARGO_SMTP_PORT: String(spec.smtpPort),
    EMBARGO_SMTP_URL: spec.relayUrl,
    EMBARGO_MAIL_FROM: "embargo@bench.example",
    // Every client is 127.0.0.1: no per-address, per-program (the program's hourly mail cap
    // too) or per-sending-host limit may refuse the load.
    EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS: UNLIMITED,
    EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: UNLIMITED,
    EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: UNLIMITED,
    EMBARGO_MAIL_PER_HOUR_PER_SENDER: UNLIMITED,
    EMBARGO_MAIL_ANSWERS_PER_HOUR_PER_ADDRESS: UNLIMITED,
    EMBARGO_MAIL_ANSWERS_PER_HOUR_PER_HOST: UNLIMITED,
    // Six reporters post at once from one address (the default lets two uploads in at a time).
    EMBARGO_UPLOADS_PER_ADDRESS: "100",
  };
}

export async function serve(spec: unknown): Promise<Hosted> {
  const parsed = ServeSpec.parse(spec);
  return serveBenchEmbargo(
    { databaseUrl: parsed.databaseUrl, dataDir: parsed.dataDir },
    soakSettings(parsed),
  );
}
