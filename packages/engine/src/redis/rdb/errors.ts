/**
 * Why an RDB payload was refused.
 *
 * - `bad-magic`: the first five bytes are not `REDIS`.
 * - `bad-version`: the version digits are outside 1..10.
 * - `bad-checksum`: the stored CRC64 is non-zero and differs from the computed one.
 * - `truncated`: the bytes end before the structure does (redis: "Short read").
 * - `corrupt`: a value that cannot be right (unknown type or encoding, bad LZF, bad sizes).
 * - `bad-db`: a SELECTDB beyond the configured number of databases.
 * - `unsupported`: well-formed data this reader cannot skip without help (module v1 values,
 *   module AUX data), which a redis-server without the module refuses as well.
 */
export type RdbErrorCode =
  | "bad-magic"
  | "bad-version"
  | "bad-checksum"
  | "truncated"
  | "corrupt"
  | "bad-db"
  | "unsupported";

/**
 * Bad RDB input. Thrown by the reader and by `lzfDecompress`; the code is stable, the message is
 * for people and borrows redis-server's log wording where there is one.
 */
export class RdbError extends Error {
  readonly code: RdbErrorCode;

  constructor(code: RdbErrorCode, message: string) {
    super(message);
    this.name = "RdbError";
    this.code = code;
  }
}
