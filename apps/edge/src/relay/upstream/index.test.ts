import { CircuitBreaker, ManualClock, VoicesyncError } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import type { RelayConfig } from '../../config/index.ts';
import type { ClientFactory, Sql } from '../pool/index.ts';
import { Upstream } from './index.ts';

const config: RelayConfig['pool'] = {
  max: 2,
  acquireTimeoutMs: 5000,
  statementTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  connectTimeoutMs: 5000,
  maxQueriesPerConnection: 50_000,
};

/**
 * A stand-in for postgres.js: `reserve` gives a connection whose simple-protocol BEGIN message may
 * fail, and whose tagged template records statements.
 */
function fakeClients(behaviour: { fail?: () => unknown } = {}) {
  const statements: string[] = [];
  let begun = 0;
  let released = 0;
  const tx = (strings: TemplateStringsArray, ...values: unknown[]) => {
    statements.push(strings.join('$') + JSON.stringify(values));
    return Promise.resolve([]);
  };
  const reserved = Object.assign(tx, {
    unsafe: (text: string) => ({
      simple: () => {
        statements.push(text);
        begun += 1;
        const failure = behaviour.fail?.();
        return failure ? Promise.reject(failure) : Promise.resolve([]);
      },
    }),
    release: () => {
      released += 1;
    },
  });
  const factory: ClientFactory<Sql> = {
    create: () => ({ reserve: async () => reserved }) as unknown as Sql,
    destroy: async () => {},
  };
  return { factory, statements, begun: () => begun, released: () => released };
}

function setup(behaviour: { fail?: () => unknown } = {}) {
  const clock = new ManualClock(1_000_000);
  const breaker = new CircuitBreaker(clock);
  const clients = fakeClients(behaviour);
  const upstream = new Upstream('postgres://db', config, breaker, clock, () => clients.factory);
  return { clock, breaker, upstream, clients };
}

const lost = () => new Error('Network connection lost.');

describe('Upstream', () => {
  it('refuses with no_database when neither DATABASE_URL nor HYPERDRIVE is set', async () => {
    const upstream = new Upstream(
      undefined,
      config,
      new CircuitBreaker(new ManualClock()),
      new ManualClock(),
    );
    await expect(upstream.transaction(async () => 1)).rejects.toMatchObject({ code: 'no_database' });
    expect(upstream.poolSnapshot()).toBeNull();
  });

  it('bounds every transaction with the statement timeout first', async () => {
    const { upstream, clients } = setup();
    expect(await upstream.transaction(async () => 'done')).toBe('done');
    expect(clients.statements[0]).toBe("begin; select set_config('statement_timeout', '10000', true)");
    expect(clients.statements.at(-1)).toBe('commit[]');
    expect(clients.released()).toBe(1);
  });

  it('opens after five connection failures and then fails fast with retryAfterMs', async () => {
    let failing = true;
    const { upstream, clients, clock } = setup({ fail: () => failing && lost() });
    for (let i = 0; i < 5; i++) {
      await expect(upstream.transaction(async () => 1)).rejects.toMatchObject({ code: 'upstream_error' });
    }
    expect(upstream.breakerStatus()).toEqual({ state: 'OPEN', retryAfterMs: 60_000 });
    await expect(upstream.transaction(async () => 1)).rejects.toMatchObject({
      code: 'upstream_unavailable',
      details: { retryAfterMs: 60_000 },
    });
    expect(clients.begun()).toBe(5);

    failing = false;
    clock.advance(60_000);
    expect(upstream.breakerStatus().state).toBe('HALF_OPEN');
    await upstream.transaction(async () => 1);
    await upstream.transaction(async () => 1);
    expect(upstream.breakerStatus().state).toBe('CLOSED');
  });

  it('maps a server error to upstream_error with its SQLSTATE, and counts it', async () => {
    const serverError = Object.assign(new Error('canceling statement due to statement timeout'), {
      name: 'PostgresError',
      code: '57014',
    });
    const { upstream, breaker } = setup({ fail: () => serverError });
    await expect(upstream.transaction(async () => 1)).rejects.toMatchObject({
      code: 'upstream_error',
      details: { sqlState: '57014', retryAfterMs: 1000 },
    });
    expect(breaker.toJSON().failures).toBe(1);
  });

  it('answers a statement PostgreSQL refuses (syntax, integrity, data) with database_error, without opening', async () => {
    const refused = (code: string) =>
      Object.assign(new Error('syntax error at or near "selec"'), { name: 'PostgresError', code });
    let code = '42601';
    const { upstream, breaker, clients } = setup({ fail: () => refused(code) });
    for (const each of ['42601', '42P01', '23505', '22P02', '42601', '54000']) {
      code = each;
      await expect(upstream.transaction(async () => 1)).rejects.toMatchObject({
        code: 'database_error',
        details: { sqlState: each },
      });
    }
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.toJSON().failures).toBe(0);
    // PostgreSQL's health still counts: a read-only failover (25006) or too many clients (53300) do.
    for (const each of ['25006', '53300']) {
      code = each;
      await expect(upstream.transaction(async () => 1)).rejects.toMatchObject({ code: 'upstream_error' });
    }
    expect(breaker.toJSON().failures).toBe(2);
    expect(clients.begun()).toBe(8);
  });

  it('does not count our own refusals as failures', async () => {
    const { upstream, breaker } = setup();
    for (let i = 0; i < 6; i++) {
      await expect(
        upstream.transaction(async () => {
          throw new VoicesyncError('mutation_gap', 'gap');
        }),
      ).rejects.toMatchObject({ code: 'mutation_gap' });
    }
    expect(breaker.state).toBe('CLOSED');
  });
});
