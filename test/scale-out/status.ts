// Reads the edge's GET /v1/status with its shard entries, for the scale-out suites.
export interface ShardEntry {
  shard: number;
  breaker: { state: 'CLOSED' | 'OPEN' | 'HALF_OPEN'; retryAfterMs: number };
  pool: { max: number; active: number; idle: number; waiting: number } | null;
  load: number;
  push: { batches: number };
}

export interface EdgeStatus {
  budget: { pgMax: number; shards: number; share: number };
  shards: ShardEntry[];
}

export async function relayStatus(edgeUrl: string): Promise<EdgeStatus> {
  const response = await fetch(`${edgeUrl}/v1/status`);
  if (!response.ok) throw new Error(`GET /v1/status answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as EdgeStatus;
}
