/**
 * A RESP2 value as a client sees it. Bulk payloads stay bytes: Redis strings are binary.
 */
export type Reply =
  | { readonly kind: "simple"; readonly value: string }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "integer"; readonly value: number }
  | { readonly kind: "bulk"; readonly value: Uint8Array | null }
  | { readonly kind: "array"; readonly items: readonly Reply[] | null };
