/**
 * Helpers the tests, end-to-end specs and benchmarks of every package share. Only for code that
 * talks to real processes over real sockets; nothing shipped imports this package.
 */
export { connectWhenListening, freePort, tryConnect, waitUntilClosed } from "./ports.ts";
