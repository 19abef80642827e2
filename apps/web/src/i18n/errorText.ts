/**
 * An error code (the server's registry, or the client's own: network, timeout, disconnected,
 * bad-response) in a sentence of the language shown. The server's message stays the detail: it
 * names the node, the value or the limit, which a code cannot.
 */
import type { ApiErrorCode } from "@replica-lab/protocol";
import type { ParseKeys, TFunction } from "i18next";

// A Record over every code, so a new code in the protocol fails to compile until it has words.
const SERVER_CODES = {
  "bad-request": "errors.badRequest",
  "bad-json": "errors.badJson",
  "unsupported-media-type": "errors.unsupportedMediaType",
  "body-too-large": "errors.bodyTooLarge",
  "not-found": "errors.notFound",
  "upgrade-required": "errors.upgradeRequired",
  "unknown-lab": "errors.unknownLab",
  "unknown-node": "errors.unknownNode",
  "unknown-lesson": "errors.unknownLesson",
  "lesson-not-ready": "errors.lessonNotReady",
  "bad-argv": "errors.badArgv",
  "value-too-large": "errors.valueTooLarge",
  "bad-config": "errors.badConfig",
  "bad-config-file": "errors.badConfigFile",
  "bad-version": "errors.badVersion",
  "bad-argument": "errors.badArgument",
  "name-taken": "errors.nameTaken",
  "port-taken": "errors.portTaken",
  "node-down": "errors.nodeDown",
  "command-failed": "errors.commandFailed",
  "connection-closed": "errors.connectionClosed",
  "reply-timeout": "errors.replyTimeout",
  "subscribe-in-console": "errors.subscribeInConsole",
  "outbound-not-allowed": "errors.outboundNotAllowed",
  "too-many-labs": "errors.tooManyLabs",
  "too-many-nodes": "errors.tooManyNodes",
  "memory-limit": "errors.memoryLimit",
  "bad-message": "errors.badMessage",
  "message-too-large": "errors.messageTooLarge",
  "forbidden-origin": "errors.forbiddenOrigin",
  "forbidden-host": "errors.forbiddenHost",
  unauthorized: "errors.unauthorized",
  "header-too-large": "errors.headerTooLarge",
  "bad-url": "errors.badUrl",
  "url-too-long": "errors.urlTooLong",
  "request-timeout": "errors.requestTimeout",
  "internal-error": "errors.internalError",
  "lab-failed": "errors.labFailed",
  "classroom-read-only": "errors.classroomReadOnly",
  "unknown-classroom": "errors.unknownClassroom",
  "not-lab-owner": "errors.notLabOwner",
  "outside-classroom": "errors.outsideClassroom",
  "too-many-attempts": "errors.tooManyAttempts",
  "compare-busy": "errors.compareBusy",
  "sequence-busy": "errors.sequenceBusy",
} as const satisfies Record<ApiErrorCode, ParseKeys>;

/** Codes the client makes up itself (see LabRequestError) and the lab-deleted notice. */
const CLIENT_CODES = {
  network: "errors.network",
  timeout: "errors.timeout",
  disconnected: "errors.disconnected",
  "bad-response": "errors.badResponse",
  "lab-deleted": "errors.labDeleted",
} as const satisfies Record<string, ParseKeys>;

const ALL_CODES: Readonly<Record<string, ParseKeys>> = { ...SERVER_CODES, ...CLIENT_CODES };

/** True for the codes the client makes up itself: their messages are the client's, not the server's. */
export function isClientCode(code: string | null): boolean {
  return code !== null && Object.hasOwn(CLIENT_CODES, code);
}

/**
 * What to print for a failure: a client-side failure in the language shown (its English message
 * adds nothing), a server's failure in the server's own words (they name the node or the value).
 */
export function failureText(code: string, message: string, t: TFunction): string {
  return isClientCode(code) ? (errorText(code, t) ?? message) : message;
}

/** The code in words, or null for a code this client does not know (an HTTP status, a newer server). */
export function errorText(code: string | null, t: TFunction): string | null {
  if (code === null || !Object.hasOwn(ALL_CODES, code)) return null;
  return t(ALL_CODES[code]!);
}
