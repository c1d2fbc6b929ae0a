/** Records every host this process opens a TCP connection to, so a test can prove it stayed on loopback. */
import net from 'node:net';

export interface ConnectionRecorder {
  hosts: Set<string>;
  stop(): void;
}

export function recordConnections(): ConnectionRecorder {
  const hosts = new Set<string>();
  const realConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: any[]) {
    const opts = Array.isArray(args[0]) ? args[0][0] : args[0];
    hosts.add(typeof opts === 'object' && opts ? String(opts.host ?? opts.path ?? 'localhost') : String(args[1] ?? 'localhost'));
    return (realConnect as any).apply(this, args);
  } as typeof realConnect;
  return { hosts, stop: () => { net.Socket.prototype.connect = realConnect; } };
}

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
