// What a settled postgres.js query still holds, emptied: the runtime keeps finished queries alive.

/** A result postgres.js resolves a query with: its rows, and the statement they came from. */
export type ResultSet = unknown[] & { statement?: unknown };

/**
 * Empties what a settled postgres.js query holds of its statement: the text (`strings`,
 * `string`, `signature`), the arguments and their serialized parameters, and its own reference
 * to the statement (a prepared statement stays in the connection's cache; only the query lets go).
 *
 * Something outside JavaScript keeps a postgres.js query reachable after it settled, until V8's
 * next full collection. A heap snapshot, which collects fully first, finds no reference to it.
 * The likely holder: workerd resolves the query from the connection's read loop, which belongs to
 * the request that opened the connection. Every young collection before the full one copies, then
 * promotes, what the query holds: a push's statement text, an enrolment batch's serialized plan
 * (docs/capacity.md, rounds 8 and 9). The fields are postgres.js's own (not in its types); it
 * reads them only to build, send and retry the query, all before the query settles.
 */
export function forgetStatement(query: object): void {
  Object.assign(query, {
    strings: undefined,
    string: undefined,
    signature: undefined,
    args: undefined,
    parameters: undefined,
    statement: null,
  });
}

/** Empties results whose rows were copied out: their rows and their statement. */
export function emptyResults(sets: ResultSet[]): void {
  for (const set of sets) {
    set.length = 0;
    set.statement = null;
  }
}
