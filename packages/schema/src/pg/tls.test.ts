import { describe, expect, it } from 'vitest';
import { withVerifiedTls } from './tls.ts';

describe('withVerifiedTls', () => {
  it('asks for verified TLS to a host off this machine', () => {
    expect(withVerifiedTls('postgres://u:p@db.example.com:5432/vs')).toBe(
      'postgres://u:p@db.example.com:5432/vs?sslmode=verify-full',
    );
    expect(withVerifiedTls('postgres://u@10.0.0.5/vs?application_name=x')).toBe(
      'postgres://u@10.0.0.5/vs?application_name=x&sslmode=verify-full',
    );
  });

  it('keeps loopback and Unix sockets plaintext', () => {
    for (const url of [
      'postgres://u:p@127.0.0.1:5432/vs',
      'postgres://u@localhost/vs',
      'postgres://u@[::1]:5432/vs',
      'postgres:///vs?host=/var/run/postgresql',
    ]) {
      expect(withVerifiedTls(url)).toBe(url);
    }
  });

  it('keeps an sslmode the URL states, plaintext included', () => {
    for (const url of [
      'postgres://u@db.example.com/vs?sslmode=disable',
      'postgres://u@db.example.com/vs?sslmode=require',
    ]) {
      expect(withVerifiedTls(url)).toBe(url);
    }
  });
});
