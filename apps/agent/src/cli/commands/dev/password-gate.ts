// A password in front of the embedded PostgreSQL: PGlite's socket server accepts any user and password,
// so it listens on a 0600 Unix socket and this gate, on the TCP port, lets through only who knows the password.
import { createHash, timingSafeEqual } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const PROTOCOL_3 = 196608;
/** Startup and password messages are small; anything larger is not a PostgreSQL client. */
const MAX_STARTUP_BYTES = 10_000;

const md5 = (value: Buffer | string) => createHash('md5').update(value).digest('hex');

function startupUser(body: Buffer): string {
  // After the length and the protocol version: name\0value\0 pairs.
  const parts = body.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === 'user') return parts[i + 1] ?? '';
  return '';
}

function fatal(socket: Socket, code: string, message: string): void {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  socket.end(Buffer.concat([header, fields]));
}

/** Reads framed messages from a socket as they complete; `typed` messages carry a leading type byte. */
class Framer {
  private buffer = Buffer.alloc(0);
  constructor(private readonly socket: Socket) {}

  next(typed: boolean): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const offset = typed ? 1 : 0;
        if (this.buffer.length >= offset + 4) {
          const length = this.buffer.readInt32BE(offset);
          if (length < 4 || length > MAX_STARTUP_BYTES) return done(new Error('bad startup message'));
          if (this.buffer.length >= offset + length) {
            const message = this.buffer.subarray(0, offset + length);
            this.buffer = this.buffer.subarray(offset + length);
            return done(undefined, message);
          }
        }
        return undefined;
      };
      const onData = (chunk: Buffer) => {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        attempt();
      };
      const onEnd = () => done(new Error('client left during startup'));
      const done = (error?: Error, message?: Buffer) => {
        this.socket.off('data', onData);
        this.socket.off('end', onEnd);
        this.socket.off('error', onEnd);
        if (error) reject(error);
        else if (message) resolve(message);
      };
      this.socket.on('data', onData);
      this.socket.on('end', onEnd);
      this.socket.on('error', onEnd);
      attempt();
    });
  }

  /** Bytes received past the last message (the client may pipeline its first query). */
  rest(): Buffer {
    return this.buffer;
  }
}

async function admit(client: Socket, password: string, backendPath: string): Promise<void> {
  const framer = new Framer(client);
  let startup = await framer.next(false);
  while ([SSL_REQUEST, GSS_REQUEST].includes(startup.readInt32BE(4))) {
    // No TLS on a loopback-only development server: the client then continues in plaintext.
    client.write('N');
    startup = await framer.next(false);
  }
  if (startup.readInt32BE(4) !== PROTOCOL_3) return fatal(client, '08P01', 'unsupported startup message');
  const user = startupUser(startup);
  const salt = randomBytes(4);
  const challenge = Buffer.alloc(13);
  challenge.write('R', 0);
  challenge.writeInt32BE(12, 1);
  challenge.writeInt32BE(5, 5);
  salt.copy(challenge, 9);
  client.write(challenge);
  const answer = await framer.next(true);
  const sent = answer.subarray(5).toString('utf8').replace(/\0$/, '');
  const expected = `md5${md5(Buffer.concat([Buffer.from(md5(password + user)), salt]))}`;
  const ok =
    answer.toString('utf8', 0, 1) === 'p' &&
    sent.length === expected.length &&
    timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
  if (!ok) return fatal(client, '28P01', `password authentication failed for user "${user}"`);
  const backend = connect(backendPath);
  backend.write(startup);
  const rest = framer.rest();
  if (rest.length > 0) backend.write(rest);
  client.pipe(backend).pipe(client);
  const close = () => {
    client.destroy();
    backend.destroy();
  };
  client.on('error', close).on('close', close);
  backend.on('error', close).on('close', close);
}

/**
 * Listens on 127.0.0.1:port and relays clients that answer the MD5 password challenge to the
 * PostgreSQL server on the Unix socket `backendPath`.
 */
export async function startPasswordGate(
  port: number,
  password: string,
  backendPath: string,
): Promise<{ close(): Promise<void> }> {
  const clients = new Set<Socket>();
  const server: Server = createServer((client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => client.destroy());
    admit(client, password, backendPath).catch(() => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    // Pooled connections (the relay's) stay open: end them, or close() would wait for them forever.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const client of clients) client.destroy();
      }),
  };
}
