/**
 * Typed keys: `t("header.addNode")` is checked against the English catalogue, and so are the
 * interpolation values each string needs.
 */
import "i18next";
import type { Messages } from "./en.ts";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: Messages };
    returnNull: false;
  }
}
