import { z } from "zod";
import type { Keyring } from "../crypto/keyring.js";
import { disclosedAtOf } from "../domain/announcements/publish-gate.js";
import {
  AFFECTED_EVENTS,
  AFFECTED_SET_EVENT,
  AFFECTED_STATUSES,
  type AffectedCell,
  type AffectedEvent,
  type AffectedSet,
  type CellInput,
  checkCell,
  checkVersion,
  findCell,
  foldAffected,
  MAX_CASE_RELEASES,
  RELEASE_ADDED_EVENT,
  type ReleaseAdded,
  sameCell,
} from "../domain/disclosure/affected.js";
import type { Policy } from "../policy/schema.js";
import type { Json } from "../store/canonical-json.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import { publishAffected } from "../store/published-affected.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, type CaseRow, runCaseCommand, type Trx } from "./case-change.js";

/**
 * The affected-release matrix of a case (src/domain/disclosure/affected.ts): the team sets a cell's
 * status and adds releases the policy does not list. Each change is one internal event; the matrix
 * is the fold of them over the policy's releases, so it needs no table. Once the case has been
 * disclosed, each change also rewrites what is published about it (`published_affected`), in the
 * same transaction.
 */

export const releaseAddedPayload = z.object({
  asset: z.string(),
  version: z.string(),
  inProduction: z.boolean(),
});
export const affectedSetPayload = z.object({
  asset: z.string(),
  version: z.string(),
  status: z.enum(AFFECTED_STATUSES),
  fixedIn: z.string().nullable(),
  reason: z.string().nullable(),
});

/** The matrix events among `events` (any events, oldest first; others are skipped), checked. */
export function affectedEventsOf(events: readonly { type: string; payload: Json }[]): AffectedEvent[] {
  return events.flatMap((event): AffectedEvent[] => {
    if (event.type === RELEASE_ADDED_EVENT)
      return [{ type: RELEASE_ADDED_EVENT, payload: releaseAddedPayload.parse(event.payload) }];
    if (event.type === AFFECTED_SET_EVENT)
      return [{ type: AFFECTED_SET_EVENT, payload: affectedSetPayload.parse(event.payload) }];
    return [];
  });
}

/** The case's matrix from its events (the case page's, already decrypted). */
export function affectedMatrixOf(policy: Policy, events: readonly { type: string; payload: Json }[]) {
  return foldAffected(policy, affectedEventsOf(events));
}

/** The case's matrix, read inside a command's transaction. */
export async function readAffectedMatrix(
  trx: Trx,
  keyring: Keyring,
  policy: Policy,
  caseId: string,
): Promise<AffectedCell[]> {
  return affectedMatrixOf(policy, await caseEventsOfTypes(trx, keyring, caseId, AFFECTED_EVENTS));
}

/**
 * Rewrites what is published about the case from its matrix now, when the case is disclosed or
 * was (a disclosed case closed later stays published); a case never disclosed gets nothing.
 * For a command's `write`, after its events: the matrix then includes them.
 */
export async function republishIfDisclosed(
  trx: Trx,
  keyring: Keyring,
  policy: Policy,
  row: Pick<CaseRow, "id" | "program" | "state">,
  at: Date,
): Promise<void> {
  if (row.state !== "disclosed") {
    const changes = await caseEventsOfTypes(trx, keyring, row.id, ["case.state_changed"]);
    if (disclosedAtOf(changes) === null) return;
  }
  await publishCase(trx, keyring, policy, row, at);
}

/** Publishes the case's matrix (the move to `disclosed` calls it in its own transaction). */
export async function publishCase(
  trx: Trx,
  keyring: Keyring,
  policy: Policy,
  row: Pick<CaseRow, "id" | "program">,
  at: Date,
): Promise<void> {
  const matrix = await readAffectedMatrix(trx, keyring, policy, row.id);
  await publishAffected(trx, { program: row.program, caseId: row.id, policy, matrix, at });
}

function inScopeAsset(policy: Policy, typed: string): string {
  const asset = typed.trim();
  if (asset === "" || asset.length > 64 || !policy.scope.inScope.some((candidate) => candidate.id === asset))
    throw new InvalidCaseCommandError(
      "asset",
      `"${asset.slice(0, 64)}" is not an in-scope asset of this program; expected one of ${policy.scope.inScope
        .map((candidate) => candidate.id)
        .join(", ")}`,
    );
  return asset;
}

function checked<T>(result: { ok: true; value: T } | { ok: false; field: string; message: string }): T {
  if (!result.ok) throw new InvalidCaseCommandError(result.field, result.message);
  return result.value;
}

export interface AffectedCellRequest extends CellInput {
  asset: string;
  version: string;
}

/**
 * Sets one cell of the matrix. The release must be in the matrix (the policy's, or added on the
 * case first); the same status, fix version and reason again write nothing.
 */
export async function setAffectedCell(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: AffectedCellRequest,
  at: Date,
): Promise<{ changed: boolean; cell: AffectedCell }> {
  checkActor(actor);
  const asset = inScopeAsset(policy, request.asset);
  const version = checked(checkVersion(request.version));
  const next = checked(checkCell(request));
  return runCaseCommand<{ changed: boolean; cell: AffectedCell }>(
    deps,
    { id: caseId },
    at,
    async (row, trx) => {
      const matrix = await readAffectedMatrix(trx, deps.keyring, policy, row.id);
      const cell = findCell(matrix, asset, version);
      if (cell === undefined)
        throw new InvalidCaseCommandError(
          "version",
          `${asset} has no release "${version}" on this case: add the release to the case first`,
        );
      if (sameCell(cell, next)) return { result: { changed: false, cell }, events: [] };
      const payload: AffectedSet = { asset, version, ...next };
      return {
        result: { changed: true, cell: { ...cell, ...next } },
        events: [{ type: domainEventType(AFFECTED_SET_EVENT), actor, at, payload: { ...payload } }],
        write: (writeTrx) => republishIfDisclosed(writeTrx, deps.keyring, policy, row, at),
      };
    },
  );
}

export interface ReleaseRequest {
  asset: string;
  version: string;
  inProduction: boolean;
}

/**
 * Adds a release of an in-scope asset to the case's matrix (under investigation until set). A
 * release the matrix already has with the same production flag writes nothing; the policy's own
 * releases keep the policy's flag; a case may add at most MAX_CASE_RELEASES.
 */
export async function addCaseRelease(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: ReleaseRequest,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  const asset = inScopeAsset(policy, request.asset);
  const version = checked(checkVersion(request.version));
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const matrix = await readAffectedMatrix(trx, deps.keyring, policy, row.id);
    const cell = findCell(matrix, asset, version);
    if (cell !== undefined && cell.inProduction === request.inProduction)
      return { result: { changed: false }, events: [] };
    if (cell?.source === "policy")
      throw new InvalidCaseCommandError(
        "inProduction",
        `the policy lists ${asset} ${version}; whether it is in production is the policy's to say`,
      );
    if (cell === undefined && matrix.filter((other) => other.source === "case").length >= MAX_CASE_RELEASES)
      throw new InvalidCaseCommandError("version", `a case adds at most ${MAX_CASE_RELEASES} releases`);
    const payload: ReleaseAdded = { asset, version, inProduction: request.inProduction };
    return {
      result: { changed: true },
      events: [{ type: domainEventType(RELEASE_ADDED_EVENT), actor, at, payload: { ...payload } }],
      write: (writeTrx) => republishIfDisclosed(writeTrx, deps.keyring, policy, row, at),
    };
  });
}
