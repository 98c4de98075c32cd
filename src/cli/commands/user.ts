import { Command, InvalidArgumentError, Option } from "commander";
// staff.js is constants only (the roles offered by --role); the rest is loaded by the actions.
import { ALL_PROGRAMS, type Membership, ROLES, type Role } from "../../auth/staff.js";
import type { CasesReleased } from "../../commands/offboarding-cases.js";
import type { Config } from "../../config.js";
import type { Store } from "../../store/database.js";
import { unknownAddressWarning } from "./public-link.js";
import { type ConfigSource, processConfig } from "./settings.js";
import { withStore } from "./store-io.js";

/** Output streams and settings of `embargo user`; defaults are the process's own. Injected by tests. */
export interface UserCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  config?: ConfigSource;
  now?: () => Date;
}

interface RoleFlags {
  email: string;
  role: Role;
  program?: string;
  /** Only the cases assigned to them or their team group (an outside contractor). */
  assignedOnly?: boolean;
}

const roleOption = () =>
  new Option("--role <role>", "the role on the program").choices([...ROLES]).makeOptionMandatory();
const assignedOnlyOption = () =>
  new Option(
    "--assigned-only",
    "only the cases assigned to them or to a team group of theirs (an outside contractor; not with every program)",
  );
const programOption = () =>
  new Option("--program <slug>", "a program slug from EMBARGO_POLICIES (default: every program)");

function email(value: string): string {
  if (!value.includes("@")) throw new InvalidArgumentError("expected an email address");
  return value;
}

const offboarding = () => import("../../auth/offboarding.js");
const users = () => import("../../auth/users.js");

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const accessText = (ended: { sessionsEnded: number; tokensRevoked: number }) =>
  `${plural(ended.sessionsEnded, "session")} ended, ${plural(ended.tokensRevoked, "API token")} revoked`;

type OffboardingModule = Awaited<ReturnType<typeof offboarding>>;

/**
 * `embargo user add|role|list|reset|disable|enable|remove|revoke-tokens`: staff accounts from
 * the command line. `add` prints a one-time setup link (<EMBARGO_PUBLIC_URL>/setup/<token>,
 * valid 72 hours) for the new user to set a password and TOTP; `reset` clears the password at
 * once and prints such a link. Taking access away (src/auth/offboarding.ts) acts at once: the
 * member's sessions end and their API tokens are revoked in the same transaction. These need
 * only the database (migrated if needed), except `remove` when the member holds cases: releasing
 * those writes case events, which needs the master key.
 */
export function userCommand(io: UserCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const config = io.config ?? processConfig;
  const now = io.now ?? (() => new Date());

  /** The program of --program, checked against the policies folder; `*` without it. */
  const programOf = async (settings: Config, slug: string | undefined): Promise<string> => {
    if (slug === undefined || slug === ALL_PROGRAMS) return ALL_PROGRAMS;
    const { loadPolicies } = await import("../../policy/loader.js");
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
        const { migrate } = await import("../../store/migrate.js");
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
    .addOption(assignedOnlyOption())
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: RoleFlags) => {
      const settings = await config();
      const program = await programOf(settings, flags.program);
      const { createSetupLink, createUser } = await users();
      const { token, expiresAt, userEmail } = await withMigratedStore(settings, async (store) => {
        const created = await createUser(store, {
          email: flags.email,
          memberships: [
            { program, role: flags.role, ...(flags.assignedOnly === true ? { scope: "assigned" } : {}) },
          ],
          actor: "cli",
          now: now(),
        });
        const link = await createSetupLink(store, created.userId, { now: now(), actor: "cli" });
        return { ...link, userEmail: created.email };
      });
      stdout(
        `added ${userEmail}: ${flags.role} on ${program === ALL_PROGRAMS ? "every program" : program}${flags.assignedOnly === true ? ", assigned cases only" : ""}\n` +
          `setup link (one use, until ${expiresAt.toISOString()}):\n${settings.publicUrl}/setup/${token}\n`,
      );
      stderr(unknownAddressWarning(settings));
    });

  user
    .command("role")
    .description("Set a member of staff's role on a program (or on every program)")
    .requiredOption("--email <email>", "their email address", email)
    .addOption(roleOption())
    .addOption(programOption())
    .addOption(assignedOnlyOption())
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: RoleFlags) => {
      const settings = await config();
      const program = await programOf(settings, flags.program);
      const { setRole } = await users();
      const { previous } = await withMigratedStore(settings, (store) =>
        setRole(store, {
          email: flags.email,
          program,
          role: flags.role,
          scope: flags.assignedOnly === true ? "assigned" : "all",
          actor: "cli",
          now: now(),
        }),
      );
      const where = program === ALL_PROGRAMS ? "every program" : program;
      const scope = flags.assignedOnly === true ? ", assigned cases only" : "";
      stdout(
        `${flags.email.toLowerCase()}: ${flags.role} on ${where}${scope}${previous === undefined ? "" : ` (was ${previous})`}\n`,
      );
    });

  user
    .command("reset")
    .description(
      "Clear a member of staff's password at once (ending their sessions and API tokens) and print a one-time link to choose a new one",
    )
    .requiredOption("--email <email>", "their email address", email)
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: { email: string }) => {
      const settings = await config();
      const { requireUserByEmail, resetPassword } = await offboarding();
      const { found, reset } = await withMigratedStore(settings, async (store) => {
        const found = await requireUserByEmail(store, flags.email);
        return { found, reset: await resetPassword(store, { userId: found.id, actor: "cli", now: now() }) };
      });
      stdout(
        `${found.email}: password cleared, ${accessText(reset)}\n` +
          `reset link (one use, until ${reset.expiresAt.toISOString()}):\n${settings.publicUrl}/setup/${reset.token}\n`,
      );
      stderr(unknownAddressWarning(settings));
    });

  /** A command that acts on one member's whole account and says what changed. */
  const accountCommand = <R>(
    name: string,
    description: string,
    act: (
      store: Store,
      command: { userId: string; actor: string; now: Date },
      offboarding: OffboardingModule,
    ) => Promise<R>,
    say: (result: R) => string,
  ) =>
    user
      .command(name)
      .description(description)
      .argument("<email>", "their email address", email)
      .configureOutput({ writeOut: stdout, writeErr: stderr })
      .exitOverride()
      .action(async (address: string) => {
        const module = await offboarding();
        const { found, result } = await withMigratedStore(await config(), async (store) => {
          const found = await module.requireUserByEmail(store, address);
          const command = { userId: found.id, actor: "cli", now: now() };
          return { found, result: await act(store, command, module) };
        });
        stdout(`${found.email}: ${say(result)}\n`);
      });

  accountCommand(
    "disable",
    "Refuse a member of staff everywhere at once: end their sessions, revoke their API tokens",
    (store, command, { disableUser }) => disableUser(store, command),
    (result) => `${result.changed ? "disabled" : "was disabled already"}, ${accessText(result)}`,
  );
  accountCommand(
    "enable",
    "Let a disabled member of staff sign in again (their revoked API tokens stay revoked)",
    (store, command, { enableUser }) => enableUser(store, command),
    (result) => (result.changed ? "enabled" : "was not disabled"),
  );
  accountCommand(
    "revoke-tokens",
    "Revoke every API token a member of staff made",
    (store, command, { revokeUserTokens }) => revokeUserTokens(store, command),
    (result) => `${plural(result.tokensRevoked, "API token")} revoked`,
  );

  user
    .command("remove")
    .description(
      "Remove a member of staff's role on a program, or (without --program) the member altogether: every role, password, second factor, session and API token; their cases are unassigned",
    )
    .argument("<email>", "their email address", email)
    .addOption(
      new Option("--program <slug>", "only the role on this program (`*`: the role on every program)"),
    )
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (address: string, flags: { program?: string }) => {
      const settings = await config();
      const program = flags.program === undefined ? undefined : await programOf(settings, flags.program);
      const { keepsProgram, removeMembership, removeUser, requireUserByEmail } = await offboarding();
      const { casesHeldBy, releaseCases } = await import("../../commands/offboarding-cases.js");
      await withMigratedStore(settings, async (store) => {
        const found = await requireUserByEmail(store, address);
        const command = { userId: found.id, actor: "cli", now: now() };
        let remaining: Membership[] = [];
        if (program === undefined) {
          const removed = await removeUser(store, command);
          const roles = removed.memberships.map((m) => `${m.role}@${m.program}`).join(", ");
          stdout(`${found.email}: removed (${roles === "" ? "no roles" : roles}), ${accessText(removed)}\n`);
        } else {
          const removed = await removeMembership(store, { ...command, program });
          remaining = removed.remaining;
          const where = program === ALL_PROGRAMS ? "every program" : program;
          stdout(
            removed.removed === undefined
              ? `${found.email} had no role on ${where}\n`
              : `${found.email}: no longer ${removed.removed} on ${where}, ${plural(removed.tokensRevoked, "API token")} revoked\n`,
          );
        }
        // Access is gone already; now their cases of programs they no longer see.
        const held = (await casesHeldBy(store, found.id)).filter((c) => !keepsProgram(remaining, c.program));
        if (held.length === 0) return;
        let released: CasesReleased;
        try {
          const [{ loadKeyring }, { loadMasterKey }] = await Promise.all([
            import("../../store/data-keys.js"),
            import("../../crypto/master-key.js"),
          ]);
          const keyring = await loadKeyring(store, await loadMasterKey(settings));
          released = await releaseCases(
            { store, keyring },
            {
              userId: found.id,
              stillSees: (p) => keepsProgram(remaining, p),
              caseActor: "system",
              actor: "cli",
              now: now(),
            },
          );
        } catch (error) {
          throw new Error(
            `${found.email} has no access any more, but ${plural(held.length, "case")} still name them as assignee or follower: ` +
              `${error instanceof Error ? error.message : String(error)}. Run the command again with the master key (EMBARGO_SECRET_KEY or EMBARGO_DATA_DIR) to release them.`,
          );
        }
        stdout(
          `${plural(released.unassigned, "case")} unassigned, ${plural(released.unfollowed, "case")} no longer followed\n`,
        );
      });
    });

  user
    .command("list")
    .description("List the members of staff, their roles and sign-in status")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async () => {
      const settings = await config();
      const { listUsers } = await users();
      const members = await withMigratedStore(settings, (store) => listUsers(store));
      if (members.length === 0) {
        stdout("no users\n");
        return;
      }
      for (const u of members) {
        const roles = u.memberships
          .map((m) => `${m.role}@${m.program}${m.scope === "assigned" ? " (assigned only)" : ""}`)
          .join(", ");
        stdout(`${u.email}\t${u.status}\t${u.totpEnabled ? "2fa" : "no-2fa"}\t${roles}\n`);
      }
    });

  return user;
}
