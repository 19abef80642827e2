/**
 * Turns whatever a route throws into `{ error: { code, message } }` with the registry's status.
 * Fastify's own errors (schema validation, body limit, media type) are mapped to registry codes
 * here, so no Fastify code (`FST_ERR_*`) ever reaches a client.
 */
import type { FastifyError, FastifyInstance } from "fastify";
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
    parseJson(request, String(body), done);
  });

  app.setErrorHandler((error, request, reply) => {
    const failure = classify(error);
    if (failure.code === "internal-error") request.log.error({ err: error }, "unhandled error");
    return reply.code(failure.statusCode).send(failure.toBody());
  });
}
