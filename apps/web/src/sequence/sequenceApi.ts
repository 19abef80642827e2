/**
 * The sequence diagram's and the comparison's side of the REST API (issue 10). Answers are checked
 * at the border: a malformed answer becomes a `bad-response` failure, never a half-read object.
 */
import type { CompareView, SequenceMessage, SequenceView } from "@replica-lab/protocol";
import { LabRequestError } from "../api/errors.ts";
import { sendRest } from "../api/rest.ts";

const enc = encodeURIComponent;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** `GET /api/labs/:lab/sequence`: the messages up to `atMs` (null: the present), the newest `limit`. */
export async function fetchSequence(
  labId: string,
  query: { readonly atMs: number | null; readonly fromMs?: number; readonly limit?: number; readonly raw?: boolean },
  fetchImpl?: typeof fetch,
): Promise<SequenceView> {
  const params = new URLSearchParams();
  if (query.raw === false) params.set("raw", "false");
  if (query.atMs !== null) params.set("atMs", String(query.atMs));
  if (query.fromMs !== undefined) params.set("fromMs", String(query.fromMs));
  if (query.limit !== undefined) params.set("limit", String(query.limit));
  const suffix = params.size > 0 ? `?${params.toString()}` : "";
  const body = await sendRest({ method: "GET", path: `/api/labs/${enc(labId)}/sequence${suffix}` }, fetchImpl);
  if (!isObject(body) || !Array.isArray(body.messages) || !Array.isArray(body.lanes) || typeof body.timeMs !== "number") {
    throw new LabRequestError("bad-response", "the sequence answer is not a sequence view");
  }
  return body as unknown as SequenceView;
}

/** `POST /api/labs/:lab/compare`: the lab's story told under every protocol, up to `atMs` (null: the present). */
export async function fetchCompare(labId: string, atMs: number | null, fetchImpl?: typeof fetch): Promise<CompareView> {
  const body = await sendRest({ method: "POST", path: `/api/labs/${enc(labId)}/compare`, body: atMs === null ? {} : { atMs } }, fetchImpl);
  if (!isObject(body) || !Array.isArray(body.lanes) || typeof body.timeMs !== "number" || !isObject(body.names)) {
    throw new LabRequestError("bad-response", "the compare answer is not a compare view");
  }
  return body as unknown as CompareView;
}

/** `GET /api/labs/:lab/sequence/:seq`: one message, its bytes included, as it stood at `atMs` (null: now). */
export async function fetchMessage(labId: string, seq: number, atMs: number | null, fetchImpl?: typeof fetch): Promise<SequenceMessage> {
  const suffix = atMs === null ? "" : `?atMs=${atMs}`;
  const body = await sendRest({ method: "GET", path: `/api/labs/${enc(labId)}/sequence/${seq}${suffix}` }, fetchImpl);
  if (!isObject(body) || typeof body.raw !== "string" || typeof body.seq !== "number") throw new LabRequestError("bad-response", "the message answer is not a message");
  return body as unknown as SequenceMessage;
}
