import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";
import type { ProgramRegistry } from "../programs/registry.js";
import { parseReplyAddress } from "./addresses.js";

/**
 * A program's own mail addresses: its active email and mailing-list channels that take reports
 * (Kitsu: nuck@kitsu.example and help@kitsu.example). The listener accepts mail only for these (and their
 * per-case reply forms, `local+token@domain`); the first is the From of the program's mail.
 */
export function programAddresses(policy: Policy): string[] {
  const addresses = policy.channels
    .filter((channel) => channel.active && (channel.kind === "email" || channel.kind === "mailing-list"))
    .filter((channel) => channel.purposes.includes("reports"))
    .flatMap((channel) => (channel.address === undefined ? [] : [channel.address.toLowerCase()]));
  return [...new Set(addresses)];
}

/** The program a recipient address belongs to, and the reply token when it is a case's reply address. */
export function programForAddress(
  programs: ProgramRegistry,
  address: string,
): { program: LoadedPolicy; replyToken: string | null } | undefined {
  const lower = address.toLowerCase();
  const reply = parseReplyAddress(lower);
  for (const program of programs.all()) {
    const own = programAddresses(program.policy);
    if (own.includes(lower)) return { program, replyToken: null };
    if (reply !== null && own.includes(reply.base)) return { program, replyToken: reply.token };
  }
  return undefined;
}
