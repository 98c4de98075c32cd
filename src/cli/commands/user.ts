import { Command, InvalidArgumentError, Option } from "commander";
import { ALL_PROGRAMS, ROLES, type Role } from "../../auth/staff.js";
import { createSetupLink, createUser, findUserByEmail, listUsers, setRole } from "../../auth/users.js";
import { type Config, loadConfig } from "../../config.js";
import { loadPolicies } from "../../policy/loader.js";
import type { Store } from "../../store/database.js";
import { migrate } from "../../store/migrate.js";
import { withStore } from "./store-io.js";

/** Output streams and settings of `embargo user`; defaults are the process's own. Injected by tests. */
export interface UserCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  config?: () => Config;
  now?: () => Date;
}

interface RoleFlags {
  email: string;
  role: Role;
  program?: string;
}

const roleOption = () =>
  new Option("--role <role>", "the role on the program").choices([...ROLES]).makeOptionMandatory();
const programOption = () =>
  new Option("--program <slug>", "a program slug from EMBARGO_POLICIES (default: every program)");

function email(value: string): string {
  if (!value.includes("@")) throw new InvalidArgumentError("expected an email address");
  return value;
}

/**
 * `embargo user add|role|list|reset`: staff accounts from the command line. `add` prints a
 * one-time setup link (<EMBARGO_PUBLIC_URL>/setup/<token>, valid 72 hours) for the new user to
 * set a password and TOTP. Needs only the database (migrated if needed), not the master key.
 */
export function userCommand(io: UserCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const config = io.config ?? (() => loadConfig());
  const now = io.now ?? (() => new Date());

  /** The program of --program, checked against the policies folder; `*` without it. */
  const programOf = async (settings: Config, slug: string | undefined): Promise<string> => {
    if (slug === undefined || slug === ALL_PROGRAMS) return ALL_PROGRAMS;
    const { policies } = await loadPolicies(settings.policies);
    const slugs = policies.map((p) => p.policy.program.slug).sort();
    if (!slugs.includes(slug))
      throw new Error(
        `no program "${slug}" in ${settings.policies}${slugs.length > 0 ? ` (programs: ${slugs.join(", ")})` : ""}`,
      );
    return slug;
  };
  const withMigratedStore = <T>(settings: Config, fn: (store: Store) => Promise<T>) =>
    withStore(
      { databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, secretKey: settings.secretKey },
      async (store) => {
        await migrate(store);
        return fn(store);
      },
    );

  const user = new Command("user")
    .description("Manage staff accounts")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride();

  user
    .command("add")
    .description("Add a member of staff and print their one-time setup link")
    .requiredOption("--email <email>", "their email address", email)
    .addOption(roleOption())
    .addOption(programOption())
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: RoleFlags) => {
      const settings = config();
      const program = await programOf(settings, flags.program);
      const { token, expiresAt, userEmail } = await withMigratedStore(settings, async (store) => {
        const created = await createUser(store, {
          email: flags.email,
          memberships: [{ program, role: flags.role }],
          actor: "cli",
          now: now(),
        });
        const link = await createSetupLink(store, created.userId, { now: now(), actor: "cli" });
        return { ...link, userEmail: created.email };
      });
      stdout(
        `added ${userEmail}: ${flags.role} on ${program === ALL_PROGRAMS ? "every program" : program}\n` +
          `setup link (one use, until ${expiresAt.toISOString()}):\n${settings.publicUrl}/setup/${token}\n`,
      );
    });

  user
    .command("role")
    .description("Set a member of staff's role on a program (or on every program)")
    .requiredOption("--email <email>", "their email address", email)
    .addOption(roleOption())
    .addOption(programOption())
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: RoleFlags) => {
      const settings = config();
      const program = await programOf(settings, flags.program);
      const { previous } = await withMigratedStore(settings, (store) =>
        setRole(store, { email: flags.email, program, role: flags.role, actor: "cli", now: now() }),
      );
      const where = program === ALL_PROGRAMS ? "every program" : program;
      stdout(
        `${flags.email.toLowerCase()}: ${flags.role} on ${where}${previous === undefined ? "" : ` (was ${previous})`}\n`,
      );
    });

  user
    .command("reset")
    .description("Print a one-time link for a member of staff to choose a new password")
    .requiredOption("--email <email>", "their email address", email)
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: { email: string }) => {
      const settings = config();
      const { token, expiresAt } = await withMigratedStore(settings, async (store) => {
        const found = await findUserByEmail(store, flags.email);
        if (found === undefined) throw new Error(`no user with the email ${flags.email.toLowerCase()}`);
        return createSetupLink(store, found.id, { now: now(), actor: "cli", purpose: "reset" });
      });
      stdout(
        `reset link (one use, until ${expiresAt.toISOString()}):\n${settings.publicUrl}/setup/${token}\n`,
      );
    });

  user
    .command("list")
    .description("List the members of staff, their roles and sign-in status")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async () => {
      const settings = config();
      const users = await withMigratedStore(settings, (store) => listUsers(store));
      if (users.length === 0) {
        stdout("no users\n");
        return;
      }
      for (const u of users) {
        const roles = u.memberships.map((m) => `${m.role}@${m.program}`).join(", ");
        stdout(`${u.email}\t${u.status}\t${u.totpEnabled ? "2fa" : "no-2fa"}\t${roles}\n`);
      }
    });

  return user;
}
