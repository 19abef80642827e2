/** Errors from the server (its `{ error: { code, message } }` bodies) and from the transport. */

export class LabRequestError extends Error {
  constructor(
    /** The server's error code, or a client-side one: "network", "timeout", "disconnected", "bad-response". */
    readonly code: string,
    message: string,
    /** HTTP status, when the error came from a REST answer. */
    readonly status: number | null = null,
    /** The refused line of a config file (`bad-config-file`). */
    readonly line: number | null = null,
  ) {
    super(message);
    this.name = "LabRequestError";
  }
}

/** Reads an ApiError body if the value is one. */
export function apiErrorOf(body: unknown): { code: string; message: string; line: number | null } | null {
  if (typeof body !== "object" || body === null || !("error" in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== "object" || error === null) return null;
  const { code, message, line } = error as { code?: unknown; message?: unknown; line?: unknown };
  return {
    code: typeof code === "string" ? code : "error",
    message: typeof message === "string" ? message : JSON.stringify(error),
    line: typeof line === "number" && Number.isInteger(line) ? line : null,
  };
}

export function asLabRequestError(error: unknown): LabRequestError {
  if (error instanceof LabRequestError) return error;
  if (error instanceof Error) return new LabRequestError("network", error.message);
  return new LabRequestError("network", String(error));
}
