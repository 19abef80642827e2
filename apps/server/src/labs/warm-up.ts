/**
 * Work done once per process before the server answers anyone, so that no lab's clients pay for it
 * later. Found by the RESP fuzzer (issue 12): the first timeline checkpoint of any lab ran
 * `Lab.fork`'s one-time probe (a lab of every node kind, built twice) on the event loop, and every
 * other lab's clients waited for it.
 */
import { Lab } from "@replica-lab/engine";

/** Runs the fork probe now; its result is kept for the life of the process. */
export function warmUpForks(): void {
  // What the fork returns does not matter: the probe runs and is kept whether or not it succeeds.
  new Lab({ seed: "warm-up" }).fork();
}
