/**
 * Words for the states the UI shows everywhere (roles, process status), in the language shown.
 * The stable English words stay in data attributes and class names for tests and styles.
 */
import type { ParseKeys, TFunction } from "i18next";

const ROLES: Readonly<Record<string, ParseKeys>> = { master: "role.master", replica: "role.replica" };
const STATUSES: Readonly<Record<string, ParseKeys>> = { up: "status.up", down: "status.down", frozen: "status.frozen" };

/** A node's role, as a card or a list shows it. Unknown roles (a server not yet polled) say so. */
export function roleWord(role: string | undefined, t: TFunction): string {
  return t(role !== undefined && Object.hasOwn(ROLES, role) ? ROLES[role]! : "role.unknown");
}

/** A process status: up, down or frozen (anything newer shows as sent). */
export function statusWord(status: string | undefined, t: TFunction): string {
  return status !== undefined && Object.hasOwn(STATUSES, status) ? t(STATUSES[status]!) : (status ?? "");
}
