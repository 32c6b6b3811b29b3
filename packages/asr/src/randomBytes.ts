/** Random source seam: returns `n` uniformly random bytes (same shape as `@keyra/core`'s). */
export type RandomBytes = (n: number) => Uint8Array;
