/**
 * The sequence diagram and the protocol comparison (issue 10): `GET /labs/:lab/sequence` (the
 * messages of every replication link up to a moment), `GET /labs/:lab/sequence/:seq` (one of them
 * with its bytes) and `POST /labs/:lab/compare` (the lab's
 * story told under every protocol, with what each cost). The answers' shapes are in
 * packages/protocol/src/sequence.ts.
 */
import type { FastifyPluginAsync } from "fastify";
import { NODE_VERSIONS, type NodeVersion } from "@replica-lab/engine";
import type { CompareView, SequenceMessage, SequenceView } from "@replica-lab/protocol";
import type { SequenceService } from "../labs/sequence-service.ts";
import { MAX_SEQUENCE_MESSAGES } from "../labs/sequence-service.ts";
import { params, type Schema } from "./schemas.ts";

export interface SequenceRoutesOptions {
  readonly sequences: SequenceService;
}

interface LabParams {
  lab: string;
}

const sequenceQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    atMs: { type: "number", minimum: 0 },
    fromMs: { type: "number", minimum: 0 },
    limit: { type: "integer", minimum: 1, maximum: MAX_SEQUENCE_MESSAGES },
    raw: { type: "boolean" },
  },
} as const satisfies Schema;

const messageParams = {
  type: "object",
  required: ["lab", "seq"],
  properties: { ...params.lab.properties, seq: { type: "integer", minimum: 1 } },
} as const satisfies Schema;

const messageQuery = {
  type: "object",
  additionalProperties: false,
  properties: { atMs: { type: "number", minimum: 0 } },
} as const satisfies Schema;

const compareBody = {
  type: "object",
  additionalProperties: false,
  properties: {
    versions: { type: "array", minItems: 1, maxItems: NODE_VERSIONS.length, uniqueItems: true, items: { type: "string", enum: [...NODE_VERSIONS] } },
    atMs: { type: "number", minimum: 0 },
  },
} as const satisfies Schema;

export const sequenceRoutes: FastifyPluginAsync<SequenceRoutesOptions> = async (app, { sequences }) => {
  app.get<{ Params: LabParams; Querystring: { atMs?: number; fromMs?: number; limit?: number; raw?: boolean } }>(
    "/labs/:lab/sequence",
    { schema: { params: params.lab, querystring: sequenceQuery } },
    async (request): Promise<SequenceView> => sequences.sequence(request.params.lab, request.query),
  );

  app.get<{ Params: LabParams & { seq: number }; Querystring: { atMs?: number } }>(
    "/labs/:lab/sequence/:seq",
    { schema: { params: messageParams, querystring: messageQuery } },
    async (request): Promise<SequenceMessage> => sequences.message(request.params.lab, request.params.seq, request.query.atMs),
  );

  app.post<{ Params: LabParams; Body: { versions?: NodeVersion[]; atMs?: number } | undefined }>(
    "/labs/:lab/compare",
    { schema: { params: params.lab, body: compareBody } },
    async (request): Promise<CompareView> => sequences.compare(request.params.lab, request.body ?? {}),
  );
};
