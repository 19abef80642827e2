/**
 * Bytes shown the way redis's `sdscatrepr` (`src/sds.c`) and hiredis's `chrtos` show them: printable
 * ASCII as is, C escapes for `\\ " \n \r \t \a \b`, `\xNN` for every other byte.
 */

/** One byte in `sdscatrepr` form, without quotes. */
export function reprByte(c: number): string {
  switch (c) {
    case 0x5c:
      return "\\\\";
    case 0x22:
      return '\\"';
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    default:
      return c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  }
}

/** Bytes in `sdscatrepr` form: double-quoted, each byte as {@link reprByte} shows it. */
export function reprBytes(bytes: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < bytes.length; i++) out += reprByte(bytes[i]!);
  return out + '"';
}
