/**
 * Embargo's layers (issue 10), checked by `npm run lint`:
 *
 *   web, cli, server.ts  →  commands  →  domain, store, crypto, mail, notify
 *
 * Imports point down only. `domain` is the business rules: pure functions of the policy and the
 * case's facts, so it imports only itself, pure libraries (npm packages without I/O, src/lib) and
 * the policy's *types*. `policy` (reading and checking policy files) sits below `domain`.
 * `src/lib` holds small pure helpers that both need (calendar codes, duration words).
 * A rule's name is what a failing lint prints, next to the import that broke it; the comment
 * says why the rule exists and where the code belongs instead.
 *
 * Run it with `npm run lint`, or alone:
 *   node --require ./scripts/depcruise-typescript.cjs \
 *     node_modules/dependency-cruiser/bin/dependency-cruise.mjs src --config .dependency-cruiser.cjs
 * (the preload gives dependency-cruiser a TypeScript 6 parser: see that file).
 */
const Module = require("node:module");
const path = require("node:path");

// Without a TypeScript compiler API it can use (TypeScript < 7), dependency-cruiser skips every
// .ts file and reports success over zero modules. Refuse that instead of passing silently.
// Asked as if from inside dependency-cruiser, so the answer is the one it gets.
const cruiserRequire = Module.createRequire(
  path.join(__dirname, "node_modules", "dependency-cruiser", "src", "index.cjs"),
);
let parserVersion = "none";
try {
  parserVersion = cruiserRequire("typescript/package.json").version;
} catch {
  // stays "none"
}
if (!/^[2-6]\./.test(parserVersion)) {
  throw new Error(
    `dependency-cruiser would parse TypeScript with typescript@${parserVersion}, which has no compiler ` +
      "API for it (it needs 2 to 6): run it with `node --require ./scripts/depcruise-typescript.cjs`, " +
      "as `npm run lint` does",
  );
}

/** Every folder of src that is a shell: it wires things up and is imported by nothing below. */
const SHELL = "^src/(web|cli)/";

/** Node modules that reach outside the process (files, network, other processes, the OS). */
const CORE_IO = [
  "child_process",
  "cluster",
  "dgram",
  "dns",
  "fs",
  "fs/promises",
  "http",
  "http2",
  "https",
  "inspector",
  "net",
  "os",
  "process",
  "readline",
  "repl",
  "tls",
  "tty",
  "v8",
  "vm",
  "worker_threads",
];

/** npm packages that do I/O (databases, servers, mail, threads, logs): never in the domain. */
const NPM_IO = [
  "@fastify/.+",
  "better-sqlite3",
  "fastify",
  "imapflow",
  "kysely",
  "mailparser",
  "nodemailer",
  "pg",
  "pino",
  "piscina",
  "smtp-server",
];

/**
 * A `to.path` matching the given core modules and NPM_IO. Rules see a core module as its name
 * ("fs/promises") and a package as its resolved file (node_modules/pg/lib/index.js).
 */
function ioModules(core) {
  return `^(node:)?(${core.join("|")})$|(^|/)node_modules/(${NPM_IO.join("|")})/`;
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "A cycle means two modules cannot be understood, tested or moved apart, and the layers " +
        "below no longer point one way. Move the shared piece down into the lower module (or src/lib) " +
        "or pass it in as a parameter. Type-only imports count too: they pull the same knot.",
      from: { path: "^src/" },
      to: { circular: true },
    },

    // ---- domain: pure business rules ---------------------------------------------------------
    {
      name: "domain-is-pure",
      severity: "error",
      comment:
        "src/domain imports only src/domain, src/lib and (types only, see domain-is-pure-policy-types) " +
        "src/policy: it is pure rules over values, so every layer can use it and tests need no database. " +
        "Move the code that needs the store, mail or the web up into commands or the caller, and pass " +
        "its result in.",
      from: { path: "^src/domain/" },
      to: { path: "^src/", pathNot: "^src/(domain|lib|policy)/" },
    },
    {
      name: "domain-is-pure-policy-types",
      severity: "error",
      comment:
        "src/domain may import the policy's types (`import type`), never its code (loading, checking, " +
        "rendering): the domain computes with a policy its caller loaded. A pure helper both need " +
        "belongs in src/lib.",
      from: { path: "^src/domain/" },
      to: { path: "^src/policy/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "domain-is-pure-no-io",
      severity: "error",
      comment:
        "src/domain does no I/O: no files, sockets, processes, databases or servers. The caller reads " +
        "and writes; the domain decides. (node:net is allowed in limited-address.ts only: it uses the " +
        "syntax checks isIPv4/isIPv6, which do no I/O.)",
      from: { path: "^src/domain/", pathNot: "^src/domain/limits/limited-address\\.ts$" },
      to: {
        dependencyTypes: ["core", "npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        path: ioModules(CORE_IO),
      },
    },
    {
      name: "domain-is-pure-no-io",
      severity: "error",
      comment: "limited-address.ts may use node:net's syntax checks and nothing else that does I/O.",
      from: { path: "^src/domain/limits/limited-address\\.ts$" },
      to: {
        dependencyTypes: ["core", "npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        path: ioModules(CORE_IO.filter((name) => name !== "net")),
      },
    },

    // ---- policy and the small shared pieces ----------------------------------------------------
    {
      name: "policy-below-domain",
      severity: "error",
      comment:
        "src/policy (reading, checking and rendering policy files) must not import src/domain: the " +
        "domain imports the policy's types, so the other way round is a cycle in waiting. A pure check " +
        "both need (a time zone, a holiday country, duration words) lives in src/lib.",
      from: { path: "^src/policy/" },
      to: { path: "^src/domain/" },
    },
    {
      name: "policy-is-low",
      severity: "error",
      comment:
        "src/policy imports only itself and src/lib: every layer reads policies, so a policy module that " +
        "imported the store, mail or the web would drag it into all of them.",
      from: { path: "^src/policy/" },
      // src/domain is policy-below-domain's to report.
      to: { path: "^src/", pathNot: "^src/(policy|lib|domain)/" },
    },
    {
      name: "lib-is-leaf",
      severity: "error",
      comment:
        "src/lib holds small pure helpers that any layer may import (domain and policy included), so " +
        "it imports nothing else from src.",
      from: { path: "^src/lib/" },
      to: { path: "^src/", pathNot: "^src/lib/" },
    },
    {
      name: "programs-is-low",
      severity: "error",
      comment:
        "src/programs (the registry of served programs) is used by every layer, from the store's " +
        "workers to the web: it knows only policies.",
      from: { path: "^src/programs/" },
      to: { path: "^src/", pathNot: "^src/(programs|policy|lib)/" },
    },

    // ---- crypto and store: the bottom of the stack ----------------------------------------------
    {
      name: "crypto-is-low",
      severity: "error",
      comment:
        "src/crypto (envelopes, the keyring, the master key) imports nothing else from src: the store " +
        "and everything above encrypt with it. Code that reads or writes keys in the database belongs " +
        "in src/store (store/data-keys.ts); a job that spans tables, like key rotation, in src/commands.",
      from: { path: "^src/crypto/" },
      to: { path: "^src/", pathNot: "^src/(crypto|lib)/" },
    },
    {
      name: "store-below-shell",
      severity: "error",
      comment:
        "src/store (tables, the event log, the outbox) must not import the layers that use it: web, " +
        "cli, commands, mail, notify, jobs, auth, intake, workspace. When the store keeps something " +
        "another layer defines (a notification, mail options), the store owns that shape " +
        "(store/outbox-message.ts) and the other layer imports it.",
      from: { path: "^src/store/" },
      to: { path: "^src/((web|cli|commands|mail|notify|jobs|auth|intake|workspace)/|server\\.ts$)" },
    },

    // ---- mail ------------------------------------------------------------------------------------
    {
      name: "mail-not-web",
      severity: "error",
      comment:
        "src/mail (intake by mail, replies, PGP) must not import src/web: the two are separate front " +
        "doors. What both use (limits, report checks) lives below them (domain, intake, store).",
      from: { path: "^src/mail/" },
      to: { path: "^src/web/" },
    },
    {
      name: "mail-not-jobs",
      severity: "error",
      comment:
        "src/mail must not import src/jobs: the jobs run mail (delivery, polling), not the other way. " +
        "Shared wording (case references, times) lives in src/notify.",
      from: { path: "^src/mail/" },
      to: { path: "^src/jobs/" },
    },

    // ---- the shell and the commands ------------------------------------------------------------
    {
      name: "nothing-imports-shell",
      severity: "error",
      comment:
        "Only the web, the CLI and server.ts (which starts the web) may import src/web or src/cli: they " +
        "are the top of the stack. Move what a lower layer needs from there down (e.g. a setting's " +
        "parser next to config.ts).",
      from: { pathNot: `${SHELL}|^src/server\\.ts$` },
      to: { path: SHELL },
    },
    {
      name: "commands-only-from-shell",
      severity: "error",
      comment:
        "src/commands (what a person or a job does to a case) is called by the shells that receive the " +
        "request: web, cli, jobs, mail intake and server.ts. A lower layer importing a command would " +
        "run the command's rules from below them; pass a result down instead.",
      from: { path: "^src/", pathNot: "^src/((web|cli|jobs|mail|commands)/|server\\.ts$)" },
      to: { path: "^src/commands/" },
    },
  ],
  options: {
    // Test files wire layers together on purpose (a domain test may build a store); the layers are
    // about the product's code.
    exclude: { path: "\\.test\\.tsx?$" },
    doNotFollow: { path: "node_modules" },
    // Resolve like tsc does (NodeNext, `.js` suffixes naming `.ts` files).
    tsConfig: { fileName: "tsconfig.json" },
    // Read the TypeScript source, not the emitted JavaScript: `import type` counts, so a layer
    // cannot lean on another through its types either.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
