/**
 * Turns whatever a route throws into `{ error: { code, message } }` with the registry's status.
 * Fastify's own errors (schema validation, body limit, media type) are mapped to registry codes
 * here, so no Fastify code (`FST_ERR_*`) ever reaches a client. So are the answers given before a
 * request reaches a route: a URL the router cannot decode (`frameworkErrors`) and a request Node
 * cannot parse at all, such as headers over its size limit (`clientErrorHandler`).
 */
import { maxHeaderSize, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiFailure, toApiFailure } from "./errors.ts";
import { describeValidation } from "./validation.ts";

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).code === "string";
}

/** The client-facing failure for an error thrown while handling a request. */
export function classify(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  if (isFastifyError(error)) {
    if (error.validation) {
      const problem = describeValidation(error.validation, error.validationContext ?? "request");
      return new ApiFailure(problem.code, problem.message);
    }
    switch (error.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return new ApiFailure("body-too-large", error.message);
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return new ApiFailure("unsupported-media-type", "send the body as application/json");
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
      case "FST_ERR_CTP_INVALID_JSON_BODY":
        return new ApiFailure("bad-json", error.message);
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return new ApiFailure("bad-request", error.message);
  }
  if (error instanceof SyntaxError) return new ApiFailure("bad-json", `the body is not valid JSON: ${error.message}`);
  return toApiFailure(error);
}

/** Installs the error handler and the JSON body parser on the root instance. */
export function installErrorHandling(app: FastifyInstance): void {
  // An empty body with a JSON content type is "no body", as many clients send it for POST /kill.
  const parseJson = app.getDefaultJsonParser("error", "error");
  // Every body is JSON: anything else is a 415, not a string the schema then rejects.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (typeof body === "string" && body.trim() === "") {
      done(null, undefined);
      return;
    }
    parseJson(request, String(body), (error, value) => {
      // `null` is valid JSON but never a valid body: every route takes an object (or nothing).
      if (!error && value === null) done(new ApiFailure("bad-request", "the body is JSON null; send an object, or no body at all"), undefined);
      else done(error, value);
    });
  });

  app.setErrorHandler((error, request, reply) => {
    const failure = classify(error);
    if (failure.code === "internal-error") request.log.error({ err: error }, "unhandled error");
    return reply.code(failure.statusCode).send(failure.toBody());
  });
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals (a URL whose %-escapes do not decode, a
 * path parameter over `maxParamLength`) in the registry's shape.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  let failure: ApiFailure;
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      failure = new ApiFailure("bad-url", error.message);
      break;
    case "FST_ERR_MAX_PARAM_LENGTH":
      failure = new ApiFailure("url-too-long", "a path parameter is longer than 100 characters");
      break;
    default:
      failure = toApiFailure(error);
  }
  void reply.code(failure.statusCode).send(failure.toBody());
}

/**
 * Fastify's `clientErrorHandler`: Node could not parse the request, so there is no request object
 * and the answer is written on the socket itself (as Node's default does), then the socket closes.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  let failure: ApiFailure;
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      failure = new ApiFailure("header-too-large", `the request headers are over the limit of ${maxHeaderSize} bytes`);
      break;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      failure = new ApiFailure("request-timeout", "the request did not arrive in full in time");
      break;
    default:
      failure = new ApiFailure("bad-request", "the request is not valid HTTP/1.1");
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(failure.toBody());
  const reason = STATUS_CODES[failure.statusCode] ?? "Bad Request";
  const head = `HTTP/1.1 ${failure.statusCode} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  // Flushed, then closed for good: the rest of what the client sends is never parsed.
  socket.end(head + body, () => socket.destroy());
}
