// Worker entry: the Hono app answers HTTP; the Relay Durable Object owns every PostgreSQL connection.
import { app } from './app.ts';
import type { Env } from './env.ts';

export { TenantHub } from './notify/index.ts';
export { Relay } from './relay/index.ts';

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
