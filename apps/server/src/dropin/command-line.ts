/**
 * redis-server 7.0.15's command line (server.c main): an optional config file path first, then
 * `--name value …` overrides. Redis turns the overrides into config lines appended after the
 * file's text, so a later line wins, exactly as if they were written at the end of the file.
 */

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: "version" }
  | { readonly kind: "help" }
  | {
      readonly kind: "run";
      /** The config file (absolute), or null when none was given. */
      readonly configPath: string | null;
      /** The `--name value` overrides as config lines, in order. */
      readonly overrideLines: readonly string[];
    };

/** Quotes an argument as a config line needs it (redis writes overrides with sdscatrepr). */
export function quoteConfigArg(value: string): string {
  if (value !== "" && !/[\s"'\\]/.test(value)) return value;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

/**
 * An override's argument as redis's main() writes it into the config text: always quoted, escaped
 * as sdscatrepr escapes (so a bad line is shown in redis's words, e.g. `dir "/no/such/dir"`).
 */
export function reprConfigArg(value: string): string {
  const escapes: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\x07": "\\a", "\b": "\\b" };
  let out = '"';
  for (const char of value) {
    const code = char.charCodeAt(0);
    // Other control bytes as \xhh, as redis; characters past ASCII stay as they are (redis would
    // write their UTF-8 bytes as \xhh, which this file's text, read as UTF-8, could not give back).
    out += escapes[char] ?? (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : char);
  }
  return `${out}"`;
}

/**
 * Parses argv (without node and the script). `resolvePath` makes the config file absolute: redis
 * keeps its absolute path so that CONFIG REWRITE finds it after `dir` changed the working directory.
 */
export function parseCommandLine(argv: readonly string[], resolvePath: (path: string) => string): CommandLine {
  const first = argv[0];
  if (first === "-v" || first === "--version") return { kind: "version" };
  if (first === "-h" || first === "--help") return { kind: "help" };
  let index = 0;
  let configPath: string | null = null;
  if (first !== undefined && !first.startsWith("--")) {
    configPath = resolvePath(first);
    index = 1;
  }
  const lines: string[] = [];
  let current: string[] | null = null;
  for (; index < argv.length; index++) {
    const arg = argv[index]!;
    // "--" followed by a name starts a new directive; anything else is one more argument of it
    // (`--save 900 1 --port 7000`, `--save ""`).
    if (arg.startsWith("--") && arg.length > 2) {
      if (current) lines.push(current.join(" "));
      current = [arg.slice(2)];
    } else if (current) {
      current.push(reprConfigArg(arg));
    } else {
      // Redis refuses a stray word after the config file the same way: it reads it as a directive.
      current = [quoteConfigArg(arg)];
    }
  }
  if (current) lines.push(current.join(" "));
  return { kind: "run", configPath, overrideLines: lines };
}
