/**
 * The REST side of the API: creating and loading labs, and every lab operation mapped onto its
 * route (used when the socket is not open).
 */
import type { LabOperation, LabView, NodeVersion } from "@replica-lab/protocol";
import { apiErrorOf, LabRequestError } from "./errors.ts";

export interface RestRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly body?: unknown;
}

const enc = encodeURIComponent;

/** The REST route for an operation, or null when only the socket carries it (none so far). */
export function restRequestFor(labId: string, op: LabOperation): RestRequest | null {
  const lab = `/api/labs/${enc(labId)}`;
  switch (op.kind) {
    case "add-node": {
      const body: Record<string, unknown> = {};
      if (op.name !== undefined) body.name = op.name;
      if (op.version !== undefined) body.version = op.version;
      if (op.config !== undefined) body.config = op.config;
      return { method: "POST", path: `${lab}/nodes`, body };
    }
    case "remove-node":
      return { method: "DELETE", path: `${lab}/nodes/${enc(op.nodeId)}` };
    case "command":
      return { method: "POST", path: `${lab}/nodes/${enc(op.nodeId)}/command`, body: op.session === undefined ? { argv: op.argv } : { argv: op.argv, session: op.session } };
    case "set-master":
      return { method: "PUT", path: `${lab}/nodes/${enc(op.nodeId)}/master`, body: op.persist === undefined ? { masterId: op.masterId } : { masterId: op.masterId, persist: op.persist } };
    case "shutdown":
      return { method: "POST", path: `${lab}/nodes/${enc(op.nodeId)}/shutdown`, body: op.save === undefined ? {} : { save: op.save } };
    case "config-file":
      return { method: "PUT", path: `${lab}/nodes/${enc(op.nodeId)}/config-file`, body: { text: op.text } };
    case "kill":
    case "freeze":
    case "thaw":
      return { method: "POST", path: `${lab}/nodes/${enc(op.nodeId)}/${op.kind}`, body: {} };
    case "restart":
      return { method: "POST", path: `${lab}/nodes/${enc(op.nodeId)}/restart`, body: op.wipe === undefined ? {} : { wipe: op.wipe } };
    case "link": {
      const body: Record<string, unknown> = {};
      if (op.latencyMs !== undefined) body.latencyMs = op.latencyMs;
      if (op.bandwidthBytesPerSec !== undefined) body.bandwidthBytesPerSec = op.bandwidthBytesPerSec;
      if (op.partitioned !== undefined) body.partitioned = op.partitioned;
      return { method: "PATCH", path: `${lab}/links/${enc(op.a)}/${enc(op.b)}`, body };
    }
    case "clock": {
      const body: Record<string, unknown> = { action: op.action };
      if (op.speed !== undefined) body.speed = op.speed;
      if (op.stepMs !== undefined) body.stepMs = op.stepMs;
      return { method: "POST", path: `${lab}/clock`, body };
    }
    case "write-load":
      return { method: "PUT", path: `${lab}/nodes/${enc(op.nodeId)}/write-load`, body: { opsPerSec: op.opsPerSec } };
  }
}

/** Sends a request and returns the parsed JSON answer; a 4xx/5xx becomes a {@link LabRequestError}. */
export async function sendRest(request: RestRequest, fetchImpl: typeof fetch = fetch): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchImpl(request.path, {
      method: request.method,
      headers: request.body === undefined ? {} : { "content-type": "application/json" },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
  } catch (error) {
    throw new LabRequestError("network", `cannot reach the server: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  let body: unknown = null;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      if (response.ok) throw new LabRequestError("bad-response", `the server answered ${request.method} ${request.path} with non-JSON`, response.status);
    }
  }
  if (!response.ok) {
    const apiError = apiErrorOf(body);
    throw new LabRequestError(
      apiError?.code ?? `http-${response.status}`,
      apiError?.message ?? `${request.method} ${request.path} failed with HTTP ${response.status}`,
      response.status,
      apiError?.line ?? null,
    );
  }
  return body;
}

export type LabTemplate = "empty" | "one-master-two-replicas";

/** A new lab; `version` makes the template's nodes that version (the default template: one master, two replicas). */
export function createLab(options: { name?: string; template?: LabTemplate; seed?: string; version?: NodeVersion }, fetchImpl?: typeof fetch): Promise<LabView> {
  return sendRest({ method: "POST", path: "/api/labs", body: options }, fetchImpl) as Promise<LabView>;
}

export function getLab(labId: string, fetchImpl?: typeof fetch): Promise<LabView> {
  return sendRest({ method: "GET", path: `/api/labs/${enc(labId)}` }, fetchImpl) as Promise<LabView>;
}
