// Reads the edge's GET /v1/status with its shard entries, for the scale-out suites.
import { type EdgeStatus, edgeStatusSchema } from '@voicesync/schema';

export type { EdgeStatus, ShardStatus as ShardEntry } from '@voicesync/schema';

export async function relayStatus(edgeUrl: string): Promise<EdgeStatus> {
  const response = await fetch(`${edgeUrl}/v1/status`);
  if (!response.ok) throw new Error(`GET /v1/status answered ${response.status}: ${await response.text()}`);
  // Parsed with the wire schema: the real edge must answer exactly what agents read.
  return edgeStatusSchema.parse(await response.json());
}
