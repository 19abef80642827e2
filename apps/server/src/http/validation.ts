/**
 * The validators REST and the stream share. Bodies and stream messages are checked strictly (no
 * type coercion: `"5"` is not a number, `"x"` is not a list); path parameters and query strings
 * arrive as text, so they are coerced.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { FastifySchemaCompiler } from "fastify";
import type { ApiErrorCode } from "@replica-lab/protocol";

/** One failed check, reduced to what a client needs. */
export interface ValidationProblem {
  readonly code: ApiErrorCode;
  readonly message: string;
}

export function createValidators() {
  const strict = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, discriminator: true, allowUnionTypes: true });
  const coercing = new Ajv({ allErrors: false, coerceTypes: true, useDefaults: true, allowUnionTypes: true });
  const compiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
    const ajv = httpPart === "body" ? strict : coercing;
    return ajv.compile(schema as object) as ValidateFunction;
  };
  return { strict, coercing, compiler };
}

/**
 * The code and message for a failed validation. A problem inside a command's argv is `bad-argv`
 * (the issue asks for invalid argv to be told apart); everything else is `bad-request`.
 */
export function describeValidation(errors: readonly ErrorObject[] | null | undefined, part: string): ValidationProblem {
  const first = errors?.[0];
  if (!first) return { code: "bad-request", message: `invalid ${part}` };
  const path = first.instancePath;
  const where = path === "" ? part : `${part}${path.replaceAll("/", ".")}`;
  const code: ApiErrorCode = /(^|\/)argv(\/|$)/.test(path) ? "bad-argv" : "bad-request";
  let message = `${where} ${first.message ?? "is invalid"}`;
  if (first.keyword === "additionalProperties") message = `${where} has an unknown field ${JSON.stringify(first.params.additionalProperty)}`;
  if (first.keyword === "enum") message += `: ${(first.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  return { code, message };
}
