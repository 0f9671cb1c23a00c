// A switchable network link between one in-process agent and the edge: cut it to partition the agent.
import { edgeFetch } from '../../apps/agent/src/sync/transport/http.ts';
import type { Fetch } from '../../apps/agent/src/sync/transport/index.ts';
import {
  type ConnectNotify,
  connectWithWs,
  type NotifySocket,
} from '../../apps/agent/src/sync/notify/index.ts';

/**
 * Everything the agent sends to the edge goes through `fetch` or `notify`, so cutting both is a
 * partition: requests fail like an unreachable host and the notification socket drops.
 */
export class Link {
  private cutOff = false;
  private readonly sockets = new Set<NotifySocket>();
  /** Requests that failed because the link was cut, to prove the partition was exercised. */
  refused = 0;

  get down(): boolean {
    return this.cutOff;
  }

  cut(): void {
    this.cutOff = true;
    for (const socket of [...this.sockets]) socket.terminate();
  }

  heal(): void {
    this.cutOff = false;
  }

  readonly fetch: Fetch = (input, init) => {
    if (this.cutOff) {
      this.refused += 1;
      return Promise.reject(new TypeError('fetch failed: network partitioned (test)'));
    }
    return edgeFetch(input, init);
  };

  readonly notify: ConnectNotify = (url, token, handlers) => {
    if (this.cutOff) {
      this.refused += 1;
      setTimeout(() => handlers.onClose({ reason: 'network partitioned (test)' }), 0);
      return { send: () => {}, terminate: () => {} };
    }
    const socket = connectWithWs(url, token, {
      ...handlers,
      onClose: (close) => {
        this.sockets.delete(socket);
        handlers.onClose(close);
      },
    });
    this.sockets.add(socket);
    return socket;
  };
}
