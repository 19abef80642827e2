/**
 * Branches made in this browser, remembered per parent lab, so the parent can offer its branches
 * (a branch knows its parent from the server; a parent does not list its children).
 */
import type { LabParent } from "./timelineApi.ts";

/** A branch of some lab: its id and the parent's moment it started from. */
export interface BranchRecord {
  readonly labId: string;
  readonly atMs: number;
}

const MAX_BRANCHES = 20;
const key = (labId: string): string => `replica-lab:branches:${labId}`;

/** The minimal storage this needs (localStorage in the browser, a Map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function defaultStore(): KeyValueStore | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

/** The branches of `labId` made here, newest first. */
export function branchesOf(labId: string, storage: KeyValueStore | null = defaultStore()): BranchRecord[] {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(key(labId)) ?? null;
  } catch {
    return [];
  }
  if (raw === null) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((b): b is BranchRecord => typeof b === "object" && b !== null && typeof (b as BranchRecord).labId === "string" && typeof (b as BranchRecord).atMs === "number");
  } catch {
    return [];
  }
}

/** Remembers that `branch` was made from `parent`. */
export function recordBranch(parent: LabParent, branchId: string, storage: KeyValueStore | null = defaultStore()): void {
  const list = [{ labId: branchId, atMs: parent.atMs }, ...branchesOf(parent.labId, storage).filter((b) => b.labId !== branchId)].slice(0, MAX_BRANCHES);
  try {
    storage?.setItem(key(parent.labId), JSON.stringify(list));
  } catch {
    // Private mode or a full quota: the parent just does not list this branch.
  }
}

/** Forgets branches that no longer exist on the server. */
export function forgetBranches(parentId: string, gone: ReadonlySet<string>, storage: KeyValueStore | null = defaultStore()): void {
  const list = branchesOf(parentId, storage);
  const kept = list.filter((b) => !gone.has(b.labId));
  if (kept.length === list.length) return;
  try {
    storage?.setItem(key(parentId), JSON.stringify(kept));
  } catch {
    // As above.
  }
}
