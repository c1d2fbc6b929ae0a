// ad-hoc profiling driver (temporary; removed later)
import { startChild } from './child-process.js';
import { measureThroughput } from './throughput.js';
const mode = process.argv[2] ?? 'plain';
const upstream = await startChild<{ baseUrl: string }>('bench/upstream-process.ts', {});
const gateway = await startChild<{ switchboardUrl: string }>('bench/gateway-process.ts', { UPSTREAM_BASE_URL: upstream.ready.baseUrl }, process.argv[3] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/benchtools/prof-' + mode] : []);
const body = JSON.stringify(mode === 'stream' ? { model: 'fake/m', input: 'hi', stream: true } : mode === 'nostore' ? { model: 'fake/m', input: 'hi', store: false } : { model: 'fake/m', input: 'hi' });
const r = await measureThroughput({ name: 'sb', url: gateway.ready.switchboardUrl + '/v1/responses', body }, { connections: 32, duration: 6, warmup: 1 });
console.log(mode, r.reqPerSec, r.latencyMs);
await gateway.stop(); await upstream.stop();
