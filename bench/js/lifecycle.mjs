// bench/js/lifecycle.mjs: @kubernetes/client-node's side of the pod lifecycle benchmark
// (bench/lifecycle_bench.lua): N pods created, watched (fieldSelector metadata.name) until
// Ready and deleted, K at a time on one event loop. Prints the number of pods done.
// Usage: node lifecycle.mjs N K KUBECONFIG
import * as k8s from '@kubernetes/client-node';

const [n, k] = process.argv.slice(2, 4).map(Number);
const kc = new k8s.KubeConfig();
kc.loadFromFile(process.argv[4]);
// client-node refuses plain http unless TLS verification is off (the sim serves http).
kc.loadFromOptions({ clusters: kc.clusters.map((c) => ({ ...c, skipTLSVerify: true })),
  users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
const ns = kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
const api = kc.makeApiClient(k8s.CoreV1Api);
const watch = new k8s.Watch(kc);
// The same annotations kwhisk's pods carry (bench/tools/lifecycle.lua).
const annotations = {
  'sim.kwhisk.io/schedule-delay': '0',
  'sim.kwhisk.io/start-delay': '0',
  'sim.kwhisk.io/stop-delay': '0',
};

const isReady = (pod) =>
  (pod?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

function waitReady(name) {
  return new Promise((resolve, reject) => {
    let controller;
    let settled = false;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      controller?.abort();
      fn(value);
    };
    watch.watch(`/api/v1/namespaces/${ns}/pods`, { fieldSelector: `metadata.name=${name}` },
      (type, pod) => {
        if (type !== 'DELETED' && isReady(pod)) settle(resolve, pod);
      },
      (err) => settle(reject, err ?? new Error(`watch of ${name} ended before Ready`)))
      .then((c) => {
        controller = c;
        if (settled) c.abort();
      }, (err) => settle(reject, err));
  });
}

let next = 0;
let done = 0;
async function worker() {
  while (next < n) {
    next++;
    const name = `lifecycle-${next}`;
    await api.createNamespacedPod({ namespace: ns, body: {
      apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations },
      spec: { containers: [{ name: 'user-action', image: 'pause' }] },
    } });
    await waitReady(name);
    await api.deleteNamespacedPod({ name, namespace: ns });
    done++;
  }
}

await Promise.all(Array.from({ length: Math.min(k, Math.max(n, 1)) }, worker));
console.log(done);
