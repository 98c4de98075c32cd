import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { readTrackingId } from "../../domain/advisories/published-record.js";
import type { AdvisoryRecord } from "../../domain/advisories/record.js";
import { toCveCnaContainer } from "../../formats/cve5.js";
import { toOsv } from "../../formats/osv.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { publishedAdvisories, publishedAdvisory } from "../../store/advisories.js";
import type { WebContext } from "../context.js";
import { servedCsafDocument } from "../csaf-document.js";
import { notFound } from "../errors.js";
import {
  AdvisoryIndexPage,
  AdvisoryPublicPage,
  advisoryFeed,
  cveOptionsOf,
  recordOf,
} from "../views/advisory-pages.js";
import { renderPage } from "../views/layout.js";

const ProgramParams = z.object({ program: z.string().max(64) });
const DocumentParams = ProgramParams.extend({ document: z.string().max(128) });

/**
 * A published advisory's documents by suffix: `/p/{program}/advisories/{trackingId}{suffix}`. The
 * record itself (`.json`) is the stored canonical JSON, byte for byte. The format exporters
 * (src/formats/{cve5,osv,csaf}.ts) add `.cve.json`, `.osv.json` and `.csaf.json` here, each made
 * from the latest revision's record; the page's links come from ADVISORY_FORMATS
 * (src/web/views/advisory-pages.tsx). A renderer answers null when the advisory has no such
 * document (404), as `.cve.json` does where the program's policy names no CNA.
 */
export const ADVISORY_DOCUMENTS: Readonly<
  Record<
    string,
    (
      published: { recordJson: string; record: AdvisoryRecord },
      program: LoadedPolicy,
      publicUrl: string,
    ) => { type: string; body: string } | null
  >
> = {
  ".json": ({ recordJson }) => ({ type: "application/json; charset=utf-8", body: recordJson }),
  // The CNA container, not a full CVE record: the container is what a CNA sends CVE Services (the
  // `cnaContainer` of `POST /api/cve/{id}/cna`, and of `PUT` for a correction); the full-record
  // endpoints are the Secretariat's. The record around it (cveMetadata: state, assigner, dates) is
  // CVE Services' to write, and one made here would claim a publication only CVE Services makes.
  ".cve.json": ({ record }, program) => {
    const options = cveOptionsOf(program, record);
    return options === null
      ? null
      : { type: "application/json; charset=utf-8", body: JSON.stringify(toCveCnaContainer(record, options)) };
  },
  ".osv.json": ({ record }) => ({
    type: "application/json; charset=utf-8",
    body: JSON.stringify(toOsv(record)),
  }),
  // The provider directory's bytes (src/web/routes/csaf-provider.ts), whose .sha256 and .asc sign them.
  ".csaf.json": ({ record }, _program, publicUrl) => ({
    type: "application/json; charset=utf-8",
    body: servedCsafDocument(record, publicUrl).bytes.toString("utf8"),
  }),
};

/**
 * A program's public advisories ("security fixes"): the index, each advisory's page (its latest
 * published revision with the history), its documents and the Atom feed. Only published
 * revisions are ever read: an unknown tracking id, a draft's, another program's and a malformed
 * one are the same 404.
 */
export async function advisoryPublicRoutes(app: FastifyInstance, ctx: WebContext) {
  const program = (slug: string) => {
    const loaded = ctx.programs.get(slug);
    if (loaded === undefined) throw notFound("Program");
    return loaded;
  };
  const publicCache = (reply: FastifyReply) => reply.header("cache-control", "public, max-age=300");
  const records = async (slug: string) =>
    (await publishedAdvisories(ctx.store.db, slug)).map((revision) => recordOf(revision));

  app.get(
    "/p/:program/advisories",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const loaded = program((request.params as z.infer<typeof ProgramParams>).program);
      const list = await records(loaded.policy.program.slug);
      return publicCache(reply)
        .type("text/html; charset=utf-8")
        .send(renderPage(AdvisoryIndexPage({ program: loaded, records: list })));
    },
  );

  app.get(
    "/p/:program/advisories.atom",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const loaded = program((request.params as z.infer<typeof ProgramParams>).program);
      const feed = advisoryFeed({
        program: loaded,
        records: await records(loaded.policy.program.slug),
        publicUrl: ctx.config.publicUrl,
        now: ctx.clock(),
      });
      return publicCache(reply).type("application/atom+xml; charset=utf-8").send(feed);
    },
  );

  app.get(
    "/p/:program/advisories/:document",
    { schema: { params: DocumentParams, hide: true } },
    async (request, reply) => {
      const params = request.params as z.infer<typeof DocumentParams>;
      const loaded = program(params.program);
      const dot = params.document.indexOf(".");
      const suffix = dot === -1 ? "" : params.document.slice(dot);
      const trackingId = readTrackingId(dot === -1 ? params.document : params.document.slice(0, dot));
      const render = suffix === "" ? undefined : ADVISORY_DOCUMENTS[suffix];
      if (trackingId === undefined || (suffix !== "" && render === undefined)) throw notFound("Advisory");
      const published = await publishedAdvisory(ctx.store.db, loaded.policy.program.slug, trackingId);
      const latest = published?.revisions.at(-1);
      if (latest === undefined) throw notFound("Advisory");
      const record = recordOf(latest);
      if (render !== undefined) {
        const document = render({ recordJson: latest.recordJson, record }, loaded, ctx.config.publicUrl);
        if (document === null) throw notFound("Advisory document");
        return publicCache(reply).type(document.type).send(document.body);
      }
      return publicCache(reply)
        .type("text/html; charset=utf-8")
        .send(renderPage(AdvisoryPublicPage({ program: loaded, record })));
    },
  );
}
