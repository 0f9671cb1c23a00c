// Why the agent's API could not listen, as one line for the CLI (a configuration error: exit 2).
import { VoicesyncError } from '@voicesync/core';
import type { AgentConfig } from '../../config/index.ts';

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'no network interface of this machine has that address',
  EACCES: 'permission denied',
  ENOTFOUND: 'the host does not resolve',
  EAI_AGAIN: 'the host could not be resolved (DNS unavailable)',
};

/** Why a bind failed, in words, with the errno code. */
export function listenReason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? `${LISTEN_REASONS[code] ?? message} (${code})` : message;
}

/** A failed bind is a configuration problem (exit 2): one line naming the address and why. */
export function listenFailure(error: unknown, config: AgentConfig): VoicesyncError {
  const { address } = error as { address?: string };
  const where =
    config.socketPath !== undefined && address === config.socketPath
      ? config.socketPath
      : `${config.host}:${config.port}`;
  const reason = listenReason(error);
  return new VoicesyncError('invalid_config', `cannot listen on ${where}: ${reason}`, { cause: error });
}
