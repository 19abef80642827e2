/**
 * Time-travel routes: a lab's whole history (`timeline`), the lab at a past moment (`at/:ms`),
 * offsets over the history (`series`), branches, the lab as a file (`export`; importing is
 * `POST /api/labs { import }` in `lab-routes.ts`), and the node positions a lab keeps (`layout`).
 * The README's "Time travel" section documents them.
 */
import type { FastifyPluginAsync } from "fastify";
import type { LabView, LayoutView, MomentView, NodePosition, SeriesView, TimelineView } from "@replica-lab/protocol";
import type { TimelineService } from "../labs/timeline-service.ts";
import { ownerOfMadeLab } from "../security/credentials.ts";
import { ApiFailure } from "./errors.ts";
import type { RoutesOptions } from "./lab-routes.ts";
import { params, type Schema } from "./schemas.ts";

export interface TimelineRoutesOptions extends RoutesOptions {
  readonly timelines: TimelineService;
}

interface LabParams {
  lab: string;
}

/** Points a series may be asked for. */
export const MAX_SERIES_POINTS = 5000;
const DEFAULT_SERIES_POINTS = 200;
/** Node positions a layout may hold. */
const MAX_LAYOUT_NODES = 256;

const atParams = {
  type: "object",
  required: ["lab", "ms"],
  properties: { ...params.lab.properties, ms: { type: "string", minLength: 1, maxLength: 40 } },
} as const satisfies Schema;

const seriesQuery = {
  type: "object",
  additionalProperties: false,
  properties: { points: { type: "integer", minimum: 1, maximum: MAX_SERIES_POINTS } },
} as const satisfies Schema;

const branchBody = {
  type: "object",
  additionalProperties: false,
  required: ["atMs"],
  properties: { atMs: { type: "number" } },
} as const satisfies Schema;

const layoutBody = {
  type: "object",
  additionalProperties: false,
  required: ["positions"],
  properties: {
    positions: {
      type: "object",
      maxProperties: MAX_LAYOUT_NODES,
      propertyNames: { type: "string", minLength: 1, maxLength: 64 },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["x", "y"],
        properties: { x: { type: "number", minimum: -1e9, maximum: 1e9 }, y: { type: "number", minimum: -1e9, maximum: 1e9 } },
      },
    },
  },
} as const satisfies Schema;

/** A moment from the path: virtual ms as a decimal number (fractions allowed: virtual time has them). */
function momentOf(text: string): number {
  const value = /^[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/i.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value)) throw new ApiFailure("bad-request", `${JSON.stringify(text)} is not a moment (virtual ms, 0 or more)`);
  return value;
}

export const timelineRoutes: FastifyPluginAsync<TimelineRoutesOptions> = async (app, { registry, access, timelines }) => {
  const viewOf = (id: string): LabView => ({ ...registry.get(id).view(), owner: access.ownerOf(id) });

  app.get<{ Params: LabParams }>("/labs/:lab/timeline", { schema: { params: params.lab } }, async (request): Promise<TimelineView> => {
    const runtime = registry.get(request.params.lab);
    return runtime.timeline.view(runtime.parent);
  });

  app.get<{ Params: LabParams & { ms: string } }>("/labs/:lab/at/:ms", { schema: { params: atParams } }, async (request): Promise<MomentView> => {
    return timelines.moment(request.params.lab, momentOf(request.params.ms));
  });

  app.get<{ Params: LabParams; Querystring: { points?: number } }>(
    "/labs/:lab/series",
    { schema: { params: params.lab, querystring: seriesQuery } },
    async (request): Promise<SeriesView> => registry.get(request.params.lab).timeline.offsets(request.query.points ?? DEFAULT_SERIES_POINTS),
  );

  app.post<{ Params: LabParams; Body: { atMs: number } }>(
    "/labs/:lab/branch",
    { schema: { params: params.lab, body: branchBody } },
    async (request, reply): Promise<LabView> => {
      const runtime = await timelines.branch(request.params.lab, request.body.atMs);
      // A student's branch of its own fork is its own too, so its key reaches it after the class.
      access.setOwner(runtime.id, ownerOfMadeLab(request.credentials, { labId: request.params.lab, ownerId: access.ownerOf(request.params.lab) }, request.principal));
      reply.code(201);
      return viewOf(runtime.id);
    },
  );

  app.get<{ Params: LabParams }>("/labs/:lab/export", { schema: { params: params.lab } }, async (request, reply) => {
    const { file, fileName } = timelines.exportLab(request.params.lab);
    reply.header("content-type", "application/json; charset=utf-8");
    reply.header("content-disposition", `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`);
    return JSON.stringify(file);
  });

  app.get<{ Params: LabParams }>("/labs/:lab/layout", { schema: { params: params.lab } }, async (request): Promise<LayoutView> => {
    return { positions: registry.get(request.params.lab).layout };
  });

  app.put<{ Params: LabParams; Body: { positions: Record<string, NodePosition> } }>(
    "/labs/:lab/layout",
    { schema: { params: params.lab, body: layoutBody } },
    async (request): Promise<LayoutView> => {
      const runtime = registry.get(request.params.lab);
      runtime.layout = Object.fromEntries(Object.entries(request.body.positions).map(([id, p]) => [id, { x: p.x, y: p.y }]));
      return { positions: runtime.layout };
    },
  );
};
