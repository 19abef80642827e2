/**
 * The one registry of error codes the server answers with. REST replies, WebSocket `error`
 * messages and failed `op-result`s all take their code from here, so a client can branch on
 * `error.code` without reading messages. Tests assert on codes, never on message text.
 */
import { LabError } from "@replica-lab/engine";
import type { ApiError, ApiErrorCode } from "@replica-lab/protocol";

/** What the registry knows about a code. */
export interface ErrorSpec {
  /** HTTP status of a REST answer with this code. */
  readonly statusCode: number;
  /** One line for the README's table. */
  readonly summary: string;
}

/** Every code, its HTTP status and what it means. */
export const ERROR_CODES = {
  "bad-request": { statusCode: 400, summary: "The body, query or path does not match the route's schema (wrong type, missing field, unknown field)." },
  "bad-json": { statusCode: 400, summary: "The body is not valid JSON." },
  "unsupported-media-type": { statusCode: 415, summary: "The body is not application/json." },
  "body-too-large": { statusCode: 413, summary: "The request body is over the server's body limit." },
  "not-found": { statusCode: 404, summary: "No such route." },
  "upgrade-required": { statusCode: 426, summary: "The stream route was asked for without a WebSocket upgrade." },
  "unknown-lab": { statusCode: 404, summary: "No lab has this id." },
  "unknown-node": { statusCode: 404, summary: "The lab has no node with this id or name." },
  "unknown-lesson": { statusCode: 404, summary: "No lesson has this id, or the lab is not playing a lesson." },
  "lesson-not-ready": { statusCode: 409, summary: "The lesson step cannot do that now: its checks do not hold yet (next), it has nothing to do for you (do), or it is the first step (back)." },
  "bad-argv": { statusCode: 400, summary: "A command's argv is not a non-empty list of strings within the argument limit." },
  "value-too-large": { statusCode: 413, summary: "A command argument is over the value size limit." },
  "bad-config": { statusCode: 400, summary: "A node config name or value is not accepted (CONFIG SET's rules)." },
  "bad-config-file": { statusCode: 400, summary: "A node's new config file holds a line the node would refuse to start on (the body's `line` says which; nothing was written)." },
  "bad-version": { statusCode: 400, summary: "The node version is not available." },
  "bad-argument": { statusCode: 400, summary: "The values are well-formed but make no sense together (a link from a node to itself)." },
  "name-taken": { statusCode: 409, summary: "Another node of the lab has this name." },
  "port-taken": { statusCode: 409, summary: "The TCP port asked for is in use (by a node of the lab or by another process)." },
  "node-down": { statusCode: 409, summary: "The node is killed; the operation needs a running process." },
  "command-failed": { statusCode: 409, summary: "The node answered the operation's command with an error (the message is the node's)." },
  "connection-closed": { statusCode: 409, summary: "The node closed the console connection before answering (killed, or QUIT)." },
  "subscribe-in-console": { statusCode: 400, summary: "SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE are not run in a console, which gets one reply per command: subscribe with redis-cli on the node's RESP port (PUBLISH works in the console)." },
  "reply-timeout": { statusCode: 504, summary: "No reply within the command timeout (a frozen node, a paused lab, a blocking WAIT)." },
  "outbound-not-allowed": { statusCode: 403, summary: "The address is outside the lab and not allowed by the server's outbound policy (loopback only by default)." },
  "too-many-labs": { statusCode: 409, summary: "The server holds its maximum number of labs." },
  "too-many-nodes": { statusCode: 409, summary: "The lab holds its maximum number of nodes." },
  "memory-limit": { statusCode: 507, summary: "The server is over its memory limit; nothing new is accepted until memory is freed." },
  "bad-message": { statusCode: 400, summary: "A WebSocket message is not JSON or not a known client message." },
  "message-too-large": { statusCode: 413, summary: "A WebSocket message is over the message size limit." },
  "forbidden-origin": { statusCode: 403, summary: "A WebSocket upgrade or a state-changing request came from a page of another site (its Origin is not this server's)." },
  "forbidden-host": { statusCode: 403, summary: "The Host header names an address this server does not serve (DNS rebinding); see REPLICA_LAB_ALLOWED_HOSTS." },
  "unauthorized": { statusCode: 401, summary: "The server listens beyond loopback and the request does not carry its secret (Bearer header, ?token= or the cookie)." },
  "header-too-large": { statusCode: 431, summary: "The request's headers are over Node's header size limit (16 KiB)." },
  "bad-url": { statusCode: 400, summary: "The URL cannot be decoded (a malformed %-escape)." },
  "url-too-long": { statusCode: 414, summary: "A path parameter is over the router's length limit (100 characters)." },
  "request-timeout": { statusCode: 408, summary: "The request was not received in full within the server's request timeout." },
  "internal-error": { statusCode: 500, summary: "A bug in the server; the process keeps running." },
  "lab-failed": { statusCode: 500, summary: "The lab's engine failed: the lab is stopped and kept, with its log, for a bug report (export it); other labs go on." },
  "classroom-read-only": { statusCode: 403, summary: "The lab is in a classroom session and only its instructor may change it: followers watch, and fork to act on a branch of their own." },
  "unknown-classroom": { statusCode: 404, summary: "No classroom session has this join code (it ended, or it was never started)." },
  "not-lab-owner": { statusCode: 403, summary: "The lab belongs to someone else: a classroom join reaches its session's lab (to read) and the forks its holder made, no other lab." },
  "outside-classroom": { statusCode: 403, summary: "A classroom credential does not reach this: without the server's secret a student reads the session's lab, forks it and acts on its own forks, and makes or lists no labs." },
  "too-many-attempts": { statusCode: 429, summary: "Too many wrong classroom join codes from this address within a minute: wait for the Retry-After seconds (join codes cannot be guessed)." },
  "compare-busy": { statusCode: 503, summary: "Too many protocol comparisons are waiting (on the server, or for this lab): ask again when one has answered." },
  "sequence-busy": { statusCode: 503, summary: "Too many sequence-diagram questions are on the way (on the server, or for this lab): ask again when one has answered." },
} as const satisfies Record<ApiErrorCode, ErrorSpec>;

/** Every registered code, for tests and documentation. */
export const ALL_ERROR_CODES = Object.keys(ERROR_CODES) as ApiErrorCode[];

/** True if `code` is in the registry. */
export function isErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

/** An error meant for the client: thrown anywhere below a route or a socket handler. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** The line of a refused config file (`bad-config-file`). */
    readonly line?: number,
  ) {
    super(message);
    this.name = "ApiFailure";
  }

  get statusCode(): number {
    return ERROR_CODES[this.code].statusCode;
  }

  /** The body REST and the stream send. */
  toBody(): ApiError {
    return { error: { code: this.code, message: this.message, ...(this.line === undefined ? {} : { line: this.line }) } };
  }
}

/** Maps an engine `LabError` (an operator mistake the engine caught) to its API code. */
export function fromLabError(error: LabError): ApiFailure {
  return new ApiFailure(error.code, error.message);
}

/** Turns anything thrown by an operation into an `ApiFailure`; unknown errors become internal-error. */
export function toApiFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  if (error instanceof LabError) return fromLabError(error);
  return new ApiFailure("internal-error", error instanceof Error ? error.message : String(error));
}
