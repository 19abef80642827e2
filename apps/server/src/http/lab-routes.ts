/**
 * REST routes for labs, their clock, links and event log (the contract in DESIGN.md). Node routes
 * are in `node-routes.ts`. Every route has a schema; every failure is an `ApiFailure` with a code
 * from `errors.ts`, turned into `{ error: { code, message } }` by the app's error handler.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { LabEvent } from "@replica-lab/engine";
import type { LabOperation, LabSummary, LabView } from "@replica-lab/protocol";
import type { LabRegistry } from "../labs/lab-registry.ts";
import type { Access } from "../security/access.ts";
import { runOperation } from "../labs/operations.ts";
import { templateRequest, type TemplateName } from "../labs/templates.ts";
import { bodySchemas, eventsQuery, params } from "./schemas.ts";
import { ApiFailure } from "./errors.ts";
import type { ServerLimits } from "../limits.ts";

/** Options every route plugin gets from `buildApp`. */
export interface RoutesOptions {
  readonly registry: LabRegistry;
  /** Lab owners (and who is asking: `request.principal`). */
  readonly access: Access;
}

interface LabParams {
  lab: string;
}

/**
 * Routes whose body is optional see a missing body as `{}`, so the schema still checks it. (A JSON
 * `null` body never gets here: the body parser refuses it.)
 */
export async function missingBodyIsEmpty(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

/** A lab-creating body over the ordinary body limit is `body-too-large` unless it is an import. */
function onlyImportsAreLarge(limits: ServerLimits): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const length = Number(request.headers["content-length"] ?? 0);
    const body = request.body as { import?: unknown } | undefined;
    if (length > limits.bodyLimitBytes && body?.import === undefined) {
      throw new ApiFailure("body-too-large", `the body is over the server's limit of ${limits.bodyLimitBytes} bytes (only a lab file may be larger)`);
    }
  };
}

export const labRoutes: FastifyPluginAsync<RoutesOptions> = async (app, { registry, access }) => {
  const bodies = bodySchemas(registry.limits);
  const viewOf = (id: string): LabView => ({ ...registry.get(id).view(), owner: access.ownerOf(id) });

  app.post<{ Body: { name?: string; seed?: string | number; template?: TemplateName; version?: string; lesson?: string; import?: unknown } }>(
    "/labs",
    // A lab file (an import) may be larger than other bodies; only an import may be.
    { schema: { body: bodies.createLab }, preValidation: [missingBodyIsEmpty, onlyImportsAreLarge(registry.limits)], bodyLimit: Math.max(registry.limits.bodyLimitBytes, registry.limits.maxImportBytes) },
    async (request, reply): Promise<LabView> => {
      const { lesson, import: file, template, version, ...create } = request.body;
      if (lesson !== undefined && version !== undefined) throw new ApiFailure("bad-request", "a lesson chooses its own node versions: body.version cannot be given with body.lesson");
      const runtime =
        file !== undefined
          ? await app.timelines.importLab(file)
          : lesson === undefined
            ? await registry.create({ ...create, ...templateRequest(template, version) })
            : await app.lessons.createLab({ lesson, ...create });
      access.setOwner(runtime.id, request.principal);
      reply.code(201);
      return viewOf(runtime.id);
    },
  );

  app.get("/labs", async (): Promise<{ labs: LabSummary[] }> => ({ labs: registry.list().map((lab) => ({ ...lab, owner: access.ownerOf(lab.id) })) }));

  app.get<{ Params: LabParams }>("/labs/:lab", { schema: { params: params.lab } }, async (request): Promise<LabView> => {
    return viewOf(request.params.lab);
  });

  app.delete<{ Params: LabParams }>("/labs/:lab", { schema: { params: params.lab } }, async (request, reply) => {
    await registry.delete(request.params.lab);
    return reply.code(204).send();
  });

  app.patch<{ Params: LabParams & { from: string; to: string }; Body: { latencyMs?: number; bandwidthBytesPerSec?: number; partitioned?: boolean } }>(
    "/labs/:lab/links/:from/:to",
    { schema: { params: params.link, body: bodies.link } },
    async (request) => {
      const runtime = registry.get(request.params.lab);
      const op: LabOperation = { kind: "link", a: request.params.from, b: request.params.to, ...request.body };
      return runOperation(runtime, op, registry.limits);
    },
  );

  app.post<{ Params: LabParams; Body: { action: "pause" | "resume" | "step"; speed?: number; stepMs?: number } }>(
    "/labs/:lab/clock",
    { schema: { params: params.lab, body: bodies.clock } },
    async (request) => {
      const runtime = registry.get(request.params.lab);
      return runOperation(runtime, { kind: "clock", ...request.body }, registry.limits);
    },
  );

  app.get<{ Params: LabParams; Querystring: { after?: number } }>(
    "/labs/:lab/events",
    { schema: { params: params.lab, querystring: eventsQuery } },
    async (request): Promise<{ events: LabEvent[]; lastEventSeq: number }> => {
      const lab = registry.get(request.params.lab).lab;
      return { events: lab.events(request.query.after ?? 0), lastEventSeq: lab.lastEventSeq };
    },
  );
};
