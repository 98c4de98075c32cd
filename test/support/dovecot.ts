import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";

/**
 * A real IMAP server for the IMAP poller's tests: Debian's Dovecot (`dovecot-imapd`, which
 * .ci/run installs), started per test file as a child process (`dovecot -F -c <conf>`) with a
 * throwaway configuration in a temporary folder: 127.0.0.1 on a free port, no TLS (loopback
 * only), users in a passwd-file, Maildir under the folder. When the binary is missing, CI fails
 * the run; elsewhere the IMAP tests are left out with a warning (like PostgreSQL in databases.ts).
 *
 * As root, Dovecot's own processes and the mailboxes run as `nobody` (Dovecot refuses root for
 * logins and mail); as anyone else, everything runs as that user.
 */
export interface Dovecot {
  host: string;
  port: number;
  /** A new user with an empty INBOX (up to 32 per server). */
  addUser(): Promise<DovecotUser>;
  /** Everything Dovecot logged, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

export interface DovecotUser {
  user: string;
  password: string;
  /** imap://user:password@127.0.0.1:port/<mailbox> (no mailbox: INBOX). */
  url(mailbox?: string): string;
}

function findDovecot(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    const candidate = path.join(dir, "dovecot");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function dovecotBinary(): string | undefined {
  const found = findDovecot();
  if (found !== undefined) return found;
  const reason = "no dovecot binary (apt-get install dovecot-imapd)";
  if (process.env.CI === "true") throw new Error(`${reason}; CI runs the IMAP tests against Dovecot`);
  console.warn(`${reason}: the IMAP tests are skipped`);
  return undefined;
}

const binary = dovecotBinary();
const POOL = 32;
export const dovecotAvailable = binary !== undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no free port");
  return address.port;
}

/** The uid and gid of `nobody`, from /etc/passwd. */
async function nobody(): Promise<{ uid: number; gid: number }> {
  const line = (await readFile("/etc/passwd", "utf8")).split("\n").find((l) => l.startsWith("nobody:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) throw new Error("no user nobody in /etc/passwd");
  return { uid: Number(uid), gid: Number(gid) };
}

/** A group's name, from /etc/group (Dovecot's settings take names). */
async function groupName(gid: number): Promise<string> {
  const line = (await readFile("/etc/group", "utf8"))
    .split("\n")
    .find((l) => l.split(":")[2] === String(gid));
  const name = line?.split(":")[0];
  if (name === undefined) throw new Error(`no group ${gid} in /etc/group`);
  return name;
}

/** Resolves once the server sends its greeting. */
async function greeted(port: number, deadline: number, exited: () => string | undefined): Promise<void> {
  for (;;) {
    const why = exited();
    if (why !== undefined) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      const done = (result: boolean) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once("data", (data) => done(data.toString("latin1").startsWith("* OK")));
      socket.once("error", () => done(false));
      socket.connect(port, "127.0.0.1");
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error("Dovecot did not answer within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startDovecot(): Promise<Dovecot> {
  if (binary === undefined) throw new Error("no dovecot binary");
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-dovecot-"));
  // The login and mail processes (nobody, as root) must reach into it.
  await chmod(dir, 0o755);
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const mailOwner = root ? await nobody() : { uid: me.uid, gid: me.gid };
  const port = await freePort();
  // Every user up front: Dovecot looks at the passwd-file at most once a second.
  const passwd = path.join(dir, "passwd");
  const pool: DovecotUser[] = [];
  for (let i = 1; i <= POOL; i++) {
    const user = `user${i}`;
    const password = randomBytes(9).toString("base64url");
    const home = path.join(dir, "home", user);
    await mkdir(home, { recursive: true });
    await chown(home, mailOwner.uid, mailOwner.gid);
    pool.push({
      user,
      password,
      url: (mailbox?: string) =>
        `imap://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${mailbox === undefined ? "" : encodeURIComponent(mailbox)}`,
    });
  }
  // name:password:uid:gid:gecos:home:shell
  await writeFile(
    passwd,
    pool
      .map(
        (u) =>
          `${u.user}:{PLAIN}${u.password}:${mailOwner.uid}:${mailOwner.gid}::${path.join(dir, "home", u.user)}::\n`,
      )
      .join(""),
  );
  const conf = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `instance_name = embargo-test-${port}`,
    "log_path = /dev/stderr",
    "protocols = imap",
    "listen = 127.0.0.1",
    "ssl = no",
    "disable_plaintext_auth = no",
    "auth_mechanisms = plain login",
    // A wrong password is answered at once (the default waits 2 s).
    "auth_failure_delay = 0",
    `default_internal_user = ${root ? "nobody" : me.username}`,
    `default_login_user = ${root ? "nobody" : me.username}`,
    ...(root ? [] : [`default_internal_group = ${await groupName(me.gid)}`]),
    "mail_location = maildir:~/Maildir",
    "passdb {",
    "  driver = passwd-file",
    `  args = scheme=PLAIN ${passwd}`,
    "}",
    "userdb {",
    "  driver = passwd-file",
    `  args = ${passwd}`,
    "}",
    "service imap-login {",
    "  inet_listener imap {",
    "    address = 127.0.0.1",
    `    port = ${port}`,
    "  }",
    "  inet_listener imaps {",
    "    port = 0",
    "  }",
    // Unprivileged, there is no chroot to go into.
    ...(root ? [] : ["  chroot ="]),
    "}",
    // No auth penalty (a wrong password slowing every later login from 127.0.0.1 down by
    // seconds): the auth process cannot reach anvil's penalty socket, so it goes without.
    "service anvil {",
    ...(root ? [] : ["  chroot ="]),
    "  unix_listener anvil-auth-penalty {",
    "    mode = 0",
    "  }",
    "}",
    "",
  ].join("\n");
  const confFile = path.join(dir, "dovecot.conf");
  await writeFile(confFile, conf);

  let log = "";
  let exit: string | undefined;
  const child: ChildProcess = spawn(binary, ["-F", "-c", confFile], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = `Dovecot exited (${code ?? signal}):\n${log}`;
      resolve();
    });
    child.once("error", (error) => {
      exit = `Dovecot did not start: ${error.message}`;
      resolve();
    });
  });
  const stop = async () => {
    if (exit === undefined) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await greeted(port, Date.now() + 10_000, () => exit);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    host: "127.0.0.1",
    port,
    log: () => log,
    stop,
    async addUser() {
      const next = pool.shift();
      if (next === undefined) throw new Error(`only ${POOL} Dovecot users per test file`);
      return next;
    },
  };
}
