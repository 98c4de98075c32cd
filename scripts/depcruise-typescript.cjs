"use strict";
/**
 * Preload for dependency-cruiser (`node --require ./scripts/depcruise-typescript.cjs …depcruise`).
 *
 * Why: dependency-cruiser 17 reads .ts files through the TypeScript compiler's JavaScript API
 * (createSourceFile, SyntaxKind, readConfigFile). TypeScript 7, which this project compiles with,
 * is the Go port and no longer ships that API, so dependency-cruiser treats `typescript` as
 * missing and silently skips every .ts file: "no violations, 0 modules cruised". The
 * devDependency `typescript-6` (an npm alias of typescript@6, used by nothing else) still has the
 * API. This preload hands it to dependency-cruiser, and only to dependency-cruiser, whenever that
 * package asks for `typescript`; `tsc` and everything else keep TypeScript 7.
 *
 * Two hooks because dependency-cruiser asks twice: `require("typescript/package.json")` (CommonJS,
 * for its version check) and `import("typescript")` (ESM, for the parser itself).
 * `.dependency-cruiser.cjs` refuses to run when the parser it would get is still TypeScript 7.
 */
const Module = require("node:module");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const projectRoot = path.resolve(__dirname, "..");
const cruiserDir = `${path.sep}node_modules${path.sep}dependency-cruiser${path.sep}`;

let ts6Dir;
try {
  ts6Dir = path.dirname(require.resolve("typescript-6/package.json", { paths: [projectRoot] }));
} catch {
  throw new Error(
    'dependency-cruiser needs the devDependency "typescript-6": "npm:typescript@~6.0.3" ' +
      "(TypeScript 7 has no compiler API for it to parse .ts files with); run npm ci",
  );
}

/** `typescript` or `typescript/…` asked for by dependency-cruiser → the same path in typescript-6. */
function redirect(request, parentFile) {
  if (!parentFile?.includes(cruiserDir)) return undefined;
  if (request === "typescript") return ts6Dir;
  if (request.startsWith("typescript/")) return path.join(ts6Dir, request.slice("typescript/".length));
  return undefined;
}

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveForCruiser(request, parent, ...rest) {
  const target = redirect(request, parent?.filename);
  return resolveFilename.call(this, target ?? request, parent, ...rest);
};

// The ESM side: a resolve hook (runs on the loader thread, so it gets the target as data).
const esmHook = `
let target;
export function initialize(data) { target = data.target; }
export async function resolve(specifier, context, next) {
  if (specifier === "typescript" && context.parentURL?.includes("/node_modules/dependency-cruiser/")) {
    return { url: target, shortCircuit: true };
  }
  return next(specifier, context);
}`;
Module.register(`data:text/javascript,${encodeURIComponent(esmHook)}`, {
  data: { target: pathToFileURL(require.resolve(ts6Dir)).href },
});
