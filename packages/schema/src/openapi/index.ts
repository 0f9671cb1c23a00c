// OpenAPI for voicesync's HTTP apps: routes whose one definition documents and validates them.
export * from './route.ts';
export * from './responses.ts';
