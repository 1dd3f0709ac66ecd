// bench/js/client_bench.mjs: the official JavaScript client (@kubernetes/client-node) on
// the same request loop as bench/http_bench.lua: N sequential reads of one pod, then N
// reads with C in flight. Prints "label requests seconds cpu_seconds" lines.
// Usage: node client_bench.mjs PORT N C
import * as k8s from '@kubernetes/client-node';

const [port, n, c] = process.argv.slice(2).map(Number);
const kc = new k8s.KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'bench', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
  users: [{ name: 'bench', token: 'bench-token' }],
  contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
  currentContext: 'bench',
});
const api = kc.makeApiClient(k8s.CoreV1Api);
const read = () => api.readNamespacedPod({ name: 'p1', namespace: 'default' });

async function measure(label, body) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await body();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${label} ${n} ${wall} ${(cpu.user + cpu.system) / 1e6}`);
}

await read(); // warm up: connection and code paths
await measure('sequential', async () => {
  for (let i = 0; i < n; i++) {
    const pod = await read();
    if (pod.metadata.name !== 'p1') throw new Error('wrong pod');
  }
});
await measure('concurrent', async () => {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await read();
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
});
