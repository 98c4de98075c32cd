import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { readTrackingId } from "../../domain/advisories/published-record.js";
import { toCsaf } from "../../formats/csaf.js";
import {
  CSAF_ROOT,
  changesCsv,
  csafDirectoryPath,
  csafListingOf,
  FEED_FILE,
  indexTxt,
  latestOf,
  providerMetadata,
  rolieFeed,
  sha256File,
} from "../../formats/csaf-provider.js";
import { readPrivateKey } from "../../mail/pgp-keys.js";
import { signDetached } from "../../mail/pgp-message.js";
import { publishedAdvisories, publishedAdvisory } from "../../store/advisories.js";
import { activeProgramKey, listProgramKeys } from "../../store/program-keys.js";
import type { WebContext } from "../context.js";
import { type ServedCsafDocument, servedCsafDocument } from "../csaf-document.js";
import { notFound } from "../errors.js";
import { recordOf } from "../views/advisory-pages.js";

const ProgramParams = z.object({ program: z.string().max(64) });
const DocumentParams = ProgramParams.extend({ year: z.string().max(200), file: z.string().max(200) });
/** A document's file name with what may follow it: its hash or its signature. */
const DOCUMENT_FILE = /^([+\-a-z0-9_]{1,150})\.json(\.sha256|\.asc)?$/;
/** Signatures kept in memory; more than this and the oldest is dropped (it is simply made again). */
const SIGNATURE_CACHE_SIZE = 1024;

/**
 * The CSAF 2.0 provider (issue 13; builders and layout in src/formats/csaf-provider.ts): the
 * metadata at /.well-known/csaf/provider-metadata.json, and per program its ROLIE feed, index.txt,
 * changes.csv and each published advisory's latest revision as CSAF with its .sha256 and .asc.
 *
 * A document is servedCsafDocument() of the revision's stored record (src/web/csaf-document.ts):
 * the same bytes on every request, and at the advisory's `.csaf.json`. Signing runs once per
 * document and key: the signature is kept in memory by key fingerprint and document hash (a
 * restart signs again; the old signature stays valid too). A program without a key of its own in
 * the database (none, or only the policy's public key, whose private half Embargo does not have)
 * serves documents and hashes but no .asc, and its key is not in public_openpgp_keys.
 * Drafts are never read: an unknown program, year or file is a 404.
 */
export async function csafProviderRoutes(app: FastifyInstance, ctx: WebContext) {
  const signatures = new Map<string, Promise<string | undefined>>();
  const program = (slug: string) => {
    const loaded = ctx.programs.get(slug);
    if (loaded === undefined) throw notFound("Program");
    return loaded;
  };
  const publicCache = (reply: FastifyReply) => reply.header("cache-control", "public, max-age=300");
  const directoryUrl = (slug: string) => `${ctx.config.publicUrl}${csafDirectoryPath(slug)}`;
  const listingsOf = async (slug: string) =>
    (await publishedAdvisories(ctx.store.db, slug)).map((revision) =>
      csafListingOf(toCsaf(recordOf(revision))),
    );
  /** The fingerprint of the program's active key, read without decrypting anything. */
  const signingKeyOf = async (slug: string) =>
    (await listProgramKeys(ctx.store, slug)).find((key) => key.retiredAt === null)?.fingerprint;

  const signatureOf = async (slug: string, document: ServedCsafDocument): Promise<string | undefined> => {
    const fingerprint = await signingKeyOf(slug);
    if (fingerprint === undefined) return undefined;
    const cacheKey = `${fingerprint}:${document.sha256}`;
    let signature = signatures.get(cacheKey);
    if (signature === undefined) {
      signature = (async () => {
        const pair = await activeProgramKey(ctx.store, ctx.keyring, slug);
        // Rotated (or removed) between the two reads: no signature now, the next request signs anew.
        if (pair === undefined || pair.fingerprint !== fingerprint) return undefined;
        return signDetached(document.bytes, await readPrivateKey(pair.privateKey));
      })();
      signatures.set(cacheKey, signature);
      const oldest = signatures.keys().next().value;
      if (signatures.size > SIGNATURE_CACHE_SIZE && oldest !== undefined) signatures.delete(oldest);
    }
    try {
      const made = await signature;
      if (made === undefined) signatures.delete(cacheKey);
      return made;
    } catch (error) {
      signatures.delete(cacheKey);
      throw error;
    }
  };

  app.get(`${CSAF_ROOT}/provider-metadata.json`, { schema: { hide: true } }, async (_request, reply) => {
    const programs = ctx.programs.all();
    const keys = (await listProgramKeys(ctx.store)).filter((key) => key.retiredAt === null);
    const changes: string[] = keys.map((key) => key.createdAt.toISOString());
    for (const loaded of programs)
      for (const revision of await publishedAdvisories(ctx.store.db, loaded.policy.program.slug))
        changes.push(revision.publishedAt.toISOString());
    const { program: main } = ctx.programs.defaultProgram.policy;
    const metadata = providerMetadata({
      publicUrl: ctx.config.publicUrl,
      programs: programs.map(({ policy }) => ({
        slug: policy.program.slug,
        name: policy.program.name,
        // listProgramKeys lists newest first: the first unretired key is the active one.
        signingKey: keys.find((key) => key.program === policy.program.slug)?.fingerprint,
      })),
      // The default program answers /.well-known/security.txt, the same domain's well-known
      // address: it speaks for the instance. Same namespace rule as the records' publisher
      // (src/commands/advisories.ts).
      publisher: { name: main.name, namespace: main.website ?? `${ctx.config.publicUrl}/p/${main.slug}` },
      lastUpdated: latestOf(changes, ctx.clock().toISOString()),
    });
    return publicCache(reply).type("application/json; charset=utf-8").send(JSON.stringify(metadata));
  });

  app.get(
    `${CSAF_ROOT}/:program/white/${FEED_FILE}`,
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const { slug, name } = program((request.params as z.infer<typeof ProgramParams>).program).policy
        .program;
      const feed = rolieFeed({
        program: { slug, name },
        directoryUrl: directoryUrl(slug),
        listings: await listingsOf(slug),
        signed: (await signingKeyOf(slug)) !== undefined,
        now: ctx.clock().toISOString(),
      });
      return publicCache(reply).type("application/json; charset=utf-8").send(JSON.stringify(feed));
    },
  );

  for (const [file, type, render] of [
    ["index.txt", "text/plain; charset=utf-8", indexTxt],
    ["changes.csv", "text/csv; charset=utf-8", changesCsv],
  ] as const) {
    app.get(
      `${CSAF_ROOT}/:program/white/${file}`,
      { schema: { params: ProgramParams, hide: true } },
      async (request, reply) => {
        const { slug } = program((request.params as z.infer<typeof ProgramParams>).program).policy.program;
        return publicCache(reply)
          .type(type)
          .send(render(await listingsOf(slug)));
      },
    );
  }

  app.get(
    `${CSAF_ROOT}/:program/white/:year/:file`,
    { schema: { params: DocumentParams, hide: true } },
    async (request, reply) => {
      const params = request.params as z.infer<typeof DocumentParams>;
      const { slug } = program(params.program).policy.program;
      const match = DOCUMENT_FILE.exec(params.file);
      const trackingId = match?.[1] === undefined ? undefined : readTrackingId(match[1]);
      if (match === null || trackingId === undefined) throw notFound("CSAF document");
      const latest = (await publishedAdvisory(ctx.store.db, slug, trackingId))?.revisions.at(-1) ?? undefined;
      if (latest === undefined) throw notFound("CSAF document");
      const document = servedCsafDocument(recordOf(latest), ctx.config.publicUrl);
      // The one address of the document: its year folder and its exact (lower-case) name.
      if (document.path !== `${params.year}/${match[1]}.json`) throw notFound("CSAF document");
      const suffix = match[2];
      if (suffix === ".sha256")
        return publicCache(reply)
          .type("text/plain; charset=utf-8")
          .send(sha256File(document.sha256, document.path));
      if (suffix === ".asc") {
        const signature = await signatureOf(slug, document);
        if (signature === undefined) throw notFound("Signature");
        return publicCache(reply).type("application/pgp-signature").send(signature);
      }
      return publicCache(reply).type("application/json").send(document.bytes);
    },
  );
}
