// bench/js/log_read.mjs: @kubernetes/client-node's Log reading a pod's log as
// bench/stream_bench.lua measures it: Log.log with timestamps into a Writable that only
// counts bytes (the client does not parse timestamps). Prints the bytes.
// Usage: node log_read.mjs SERVER_URL NAMESPACE POD CONTAINER
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';

const [server, namespace, pod, container] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'bench', server, skipTLSVerify: true }],
  users: [{ name: 'bench' }],
  contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
  currentContext: 'bench',
});
let total = 0;
const done = new Promise((resolve, reject) => {
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      total += chunk.length;
      callback();
    },
  });
  sink.on('finish', resolve);
  sink.on('error', reject);
  new k8s.Log(kc).log(namespace, pod, container, sink, { timestamps: true }).catch(reject);
});
await done;
console.log(total);
