// The one node:crypto function the edge uses (nodejs_compat), typed here: the edge compiles against
// @cloudflare/workers-types, and loading all of @types/node would clash with its globals. Left out
// of tsconfig.test.json, which has @types/node (this would shadow its node:crypto there).
declare module 'node:crypto' {
  interface Hash {
    update(data: Uint8Array): Hash;
    digest(encoding: 'hex'): string;
  }
  export function createHash(algorithm: 'sha256'): Hash;
}
