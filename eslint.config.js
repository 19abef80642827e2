// ESLint flat config. The engine must stay deterministic and I/O-free: clocks, randomness, timers
// and Node built-ins are banned in packages/engine/src (tests and the test harness may use them).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const engineBans = {
  "no-restricted-globals": [
    "error",
    { name: "setTimeout", message: "The engine is sans-IO: timers come from its host via tick()/nextWakeMs()." },
    { name: "setInterval", message: "The engine is sans-IO: timers come from its host via tick()/nextWakeMs()." },
    { name: "setImmediate", message: "The engine is sans-IO: timers come from its host." },
    { name: "performance", message: "The engine reads no clock: time is an input (nowMs)." },
    { name: "Buffer", message: "The engine runs in browsers too: use Uint8Array." },
    { name: "process", message: "The engine has no process environment." },
    { name: "fetch", message: "The engine does no I/O." },
  ],
  "no-restricted-properties": [
    "error",
    { object: "Date", property: "now", message: "The engine reads no clock: time is an input (nowMs)." },
    { object: "Math", property: "random", message: "Use the seeded Prng (sim/prng.ts) and a named fork." },
  ],
  "no-restricted-syntax": [
    "error",
    { selector: "NewExpression[callee.name='Date']", message: "The engine reads no clock: time is an input (nowMs)." },
  ],
  "no-restricted-imports": [
    "error",
    { patterns: [{ group: ["node:*", "fs", "net", "os", "path", "child_process", "crypto", "http", "https", "dgram", "worker_threads"], message: "The engine does no I/O: its hosts do." }] },
  ],
};

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "e2e/artifacts/**", "test-results/**", "playwright-report/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    files: ["packages/engine/src/**/*.ts"],
    ignores: ["packages/engine/src/**/*.test.ts", "packages/engine/src/**/*.fixtures.ts"],
    rules: engineBans,
  },
  {
    files: ["scripts/**/*.mjs", "bench/**/*.ts", "**/*.config.{js,ts}"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
