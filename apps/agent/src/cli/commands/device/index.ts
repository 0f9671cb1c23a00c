// `voicesync device add|list|rotate|revoke`: device credentials through the edge's admin API (ADMIN_TOKEN bearer).
import { VoicesyncError } from '@voicesync/core';
import { type Command, Option } from 'commander';
import type { ApiTarget } from '../http-client/index.ts';
import { requestJson } from '../http-client/index.ts';
import { formatTable, printJson, terminalColors } from '../output/index.ts';

interface EdgeFlags {
  edge?: string;
  adminToken?: string;
}

interface DeviceSummary {
  deviceId: string;
  tenantId: string;
  name?: string;
  lastMutationId?: number;
  createdAt?: string;
  revokedAt?: string | null;
}

function withEdgeOptions(command: Command): Command {
  return command
    .addOption(new Option('--edge <url>', 'edge Worker base URL').env('VOICESYNC_EDGE_URL'))
    .addOption(
      new Option('--admin-token <token>', 'edge admin token (prefer the variable)').env(
        'VOICESYNC_ADMIN_TOKEN',
      ),
    );
}

function edgeAdmin(flags: EdgeFlags): ApiTarget {
  if (!flags.edge) throw new VoicesyncError('invalid_usage', 'give --edge <url> or set VOICESYNC_EDGE_URL');
  if (!flags.adminToken)
    throw new VoicesyncError('invalid_usage', 'give --admin-token or set VOICESYNC_ADMIN_TOKEN');
  return { name: 'edge', baseUrl: flags.edge, token: flags.adminToken };
}

/** A whole number of seconds from a flag, or a usage error naming the flag. */
function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new VoicesyncError('invalid_usage', `${flag} takes whole seconds, got "${value}"`);
  return Number(value);
}

function formatDevices(devices: DeviceSummary[]): string {
  if (devices.length === 0) return 'no devices';
  const c = terminalColors();
  const rows = devices.map((d) => [
    d.deviceId,
    d.name ?? '',
    d.revokedAt ? c.red(`revoked ${d.revokedAt}`) : c.green('active'),
    d.createdAt ?? '',
    String(d.lastMutationId ?? ''),
  ]);
  return formatTable(['DEVICE', 'NAME', 'STATE', 'CREATED', 'LAST MUTATION'], rows);
}

export function registerDevice(program: Command): void {
  const device = program
    .command('device')
    .description("a tenant's device credentials, through the edge admin API");

  withEdgeOptions(device.command('add'))
    .description('create a device and print its credential (shown only this once)')
    .requiredOption('--tenant <tenantId>', 'tenant the device belongs to (created when new)')
    .option('--name <name>', 'a label for the device')
    .option('--expires-in <seconds>', 'the token stops working after this long (default: never)')
    .action(async (flags: EdgeFlags & { tenant: string; name?: string; expiresIn?: string }) => {
      const expiresInSeconds = seconds('--expires-in', flags.expiresIn);
      const created = await requestJson<DeviceSummary & { token: string; expiresAt?: string }>(
        edgeAdmin(flags),
        '/v1/admin/devices',
        {
          method: 'POST',
          body: {
            tenantId: flags.tenant,
            ...(flags.name === undefined ? {} : { name: flags.name }),
            ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
          },
        },
      );
      printJson({
        deviceId: created.deviceId,
        tenantId: created.tenantId,
        token: created.token,
        ...(created.expiresAt ? { expiresAt: created.expiresAt } : {}),
      });
      console.error('the token is shown only once: keep it in a file of mode 0600 and point tokenFile at it');
    });

  withEdgeOptions(device.command('list'))
    .description("list a tenant's devices")
    .requiredOption('--tenant <tenantId>', 'tenant to list')
    .option('--json', 'print the raw JSON answer')
    .action(async (flags: EdgeFlags & { tenant: string; json?: boolean }) => {
      const query = new URLSearchParams({ tenantId: flags.tenant });
      const answer = await requestJson<DeviceSummary[] | { devices: DeviceSummary[] }>(
        edgeAdmin(flags),
        `/v1/admin/devices?${query}`,
      );
      const devices = Array.isArray(answer) ? answer : answer.devices;
      if (flags.json) printJson(devices);
      else console.log(formatDevices(devices));
    });

  withEdgeOptions(device.command('rotate'))
    .description('issue a new token for a device; the old one keeps working for the grace period')
    .argument('<deviceId>', 'device to rotate')
    .option('--grace <seconds>', 'how long the old token keeps working (0: stops at once)', '3600')
    .option('--expires-in <seconds>', 'the new token stops working after this long (default: never)')
    .action(async (deviceId: string, flags: EdgeFlags & { grace: string; expiresIn?: string }) => {
      const graceSeconds = seconds('--grace', flags.grace);
      const expiresInSeconds = seconds('--expires-in', flags.expiresIn);
      const rotated = await requestJson<
        DeviceSummary & { token: string; expiresAt?: string; previousTokenValidUntil: string }
      >(edgeAdmin(flags), `/v1/admin/devices/${encodeURIComponent(deviceId)}/rotate`, {
        method: 'POST',
        body: { graceSeconds, ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }) },
      });
      printJson({
        deviceId: rotated.deviceId,
        tenantId: rotated.tenantId,
        token: rotated.token,
        previousTokenValidUntil: rotated.previousTokenValidUntil,
        ...(rotated.expiresAt ? { expiresAt: rotated.expiresAt } : {}),
      });
      console.error(
        `the new token is shown only once: replace the device's tokenFile before ${rotated.previousTokenValidUntil}`,
      );
    });

  withEdgeOptions(device.command('revoke'))
    .description('revoke a device: its token stops working at once')
    .argument('<deviceId>', 'device to revoke')
    .action(async (deviceId: string, flags: EdgeFlags) => {
      const revoked = await requestJson<DeviceSummary>(
        edgeAdmin(flags),
        `/v1/admin/devices/${encodeURIComponent(deviceId)}/revoke`,
        { method: 'POST' },
      );
      console.log(`revoked ${revoked.deviceId}${revoked.revokedAt ? ` at ${revoked.revokedAt}` : ''}`);
    });
}
