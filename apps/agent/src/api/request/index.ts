// Reading and checking what a request carries; the route definitions (../openapi) say which schemas apply.
export { MAX_BODY_BYTES, readJson } from './body.ts';
export { limitQuery } from './query.ts';
