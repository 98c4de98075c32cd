import type { Config } from "../config.js";
import type { Store } from "../store/database.js";
import { countUsers, createSetupLink } from "./users.js";

/**
 * The first administrator. While the database has no user at all, every start makes a setup
 * link that is tied to no account (setup_tokens.user_id is null) and returns it for the server
 * to print on stdout (never into the log). No account is created in advance: the setup page
 * asks for the administrator's email along with the password, and creates the user then, with
 * the admin role on every program (`*`). Using one such link burns every other one, and none
 * works once any user exists, so links printed by earlier starts (or by other instances
 * starting at the same time) are harmless. Later users are added with `embargo user add`.
 */
export async function ensureFirstAdminLink(
  store: Store,
  config: Pick<Config, "publicUrl">,
  now: Date = new Date(),
): Promise<string | undefined> {
  if ((await countUsers(store)) > 0) return undefined;
  const { token } = await createSetupLink(store, null, { now, actor: "system" });
  return `${config.publicUrl}/setup/${token}`;
}
