// bench/js/server.js: the minimal local API server the HTTP benchmarks talk to. Every GET
// answers the same small Pod as JSON, with keep-alive; prints its port once listening.
// Usage: node server.js
'use strict';
const http = require('http');
const pod = JSON.stringify({
  kind: 'Pod', apiVersion: 'v1',
  metadata: { name: 'p1', namespace: 'default', uid: '0c3d', resourceVersion: '1' },
  spec: { containers: [{ name: 'user-action', image: 'openwhisk/action-nodejs-v20' }] },
  status: { phase: 'Running', podIP: '10.0.0.7', hostIP: '10.0.0.1' },
});
// "?delay=MS" answers after MS milliseconds (the concurrency figure).
const server = http.createServer((req, res) => {
  const delay = Number((/[?&]delay=(\d+)/.exec(req.url) || [])[1] || 0);
  const answer = () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': pod.length });
    res.end(pod);
  };
  req.resume();
  req.on('end', () => (delay > 0 ? setTimeout(answer, delay) : answer()));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
