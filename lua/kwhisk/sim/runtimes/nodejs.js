// kwhisk sim: the action runtime of OpenWhisk's Node.js images (openwhisk/action-nodejs-v*),
// run with Debian's `node` as one process per pod: node nodejs.js HOST PORT WORKDIR.
// It answers as apache/openwhisk-runtime-nodejs does (core/nodejsActionBase/app.js,
// src/service.js, runner.js): the same status codes, texts and sentinels, without express.
// stdout and stderr are pipes the sim writes to the pod's CRI log.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const childProcess = require('child_process');

const [host, port, workdir] = process.argv.slice(2);
const BODY_LIMIT = 48 * 1024 * 1024; // app.js: bodyParser.json({ limit: "48mb" })
const SENTINEL = 'XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX';

// A container's PID 1 without a handler: SIGTERM and SIGINT do nothing (node resets the
// dispositions it inherits, so the handlers are needed to ignore them).
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});

let status = 'ready';
let userMain;

function setStatus(next) {
  if (status !== 'stopped') status = next;
}

function writeMarkers() {
  console.log(SENTINEL);
  console.error(SENTINEL);
}

// runner.js serializes a rejection with serialize-error: own enumerable properties plus name,
// message and stack.
function serializeError(error) {
  if (typeof error !== 'object' || error === null) return error;
  const out = {};
  for (const key of Object.keys(error)) out[key] = error[key];
  for (const key of ['name', 'message', 'stack']) {
    if (typeof error[key] === 'string') out[key] = error[key];
  }
  return out;
}

function exec(cmd) {
  return new Promise((resolve, reject) => {
    childProcess.exec(cmd, { cwd: process.cwd() }, (error, stdout, stderr) => {
      if (!error) resolve(stdout.trim());
      else reject(stderr.trim());
    });
  });
}

// runner.js unzipInTmpDir: the archive and its tree in fresh directories (here under the
// pod's work directory, which the sim removes with the pod).
function unzipInTmpDir(base64) {
  fs.mkdirSync(workdir, { recursive: true });
  process.chdir(workdir);
  const mkTemp = 'mktemp -d XXXXXXXX';
  return exec(mkTemp).then(dir => new Promise((resolve, reject) => {
    const zipFile = path.join(dir, 'action.zip');
    fs.writeFile(zipFile, base64, 'base64', err => {
      if (!err) resolve(zipFile);
      else reject('There was an error reading the action archive.');
    });
  })).then(zipFile => exec(mkTemp).then(dir =>
    exec('unzip -qq ' + zipFile + ' -d ' + dir)
      .then(() => path.resolve(dir))
      .catch(() => Promise.reject('There was an error uncompressing the action archive.'))));
}

function splitMainHandler(handler) {
  const m = handler.match(/^([^.]+)$|^([^.]+)\.(.+)$/);
  if (m && m.length === 4) return [m[2], m[3] || m[1]];
  return undefined;
}

function assertMainIsFunction(handler, name) {
  if (typeof handler === 'function') return Promise.resolve(handler);
  return Promise.reject("Action entrypoint '" + name + "' is not a function.");
}

function initializeActionHandler(message) {
  if (message.binary) {
    return unzipInTmpDir(message.code).then(moduleDir => {
      const parts = splitMainHandler(message.main);
      if (parts === undefined) return Promise.reject('Name of main function is not valid.');
      const [index, main] = parts;
      process.chdir(moduleDir);
      if (index === undefined && !fs.existsSync('package.json') && !fs.existsSync('index.js')) {
        return Promise.reject('Zipped actions must contain either package.json or index.js at the root.');
      }
      const what = index !== undefined ? path.join(moduleDir, index) : moduleDir;
      return assertMainIsFunction(require(what)[main], message.main);
    });
  }
  try {
    // runner.js: the code runs inside a function; main is a name in it or in exports.
    const factory = new Function('require', 'module', 'exports',
      message.code + '\ntry {\n  return ' + message.main + '\n} catch (e) {\n' +
      "  if (e.name === 'ReferenceError') {\n" +
      '    return module.exports.' + message.main + ' || exports.' + message.main + '\n' +
      '  } else throw e\n}');
    const mod = { exports: {} };
    return assertMainIsFunction(factory(require, mod, mod.exports), message.main);
  } catch (e) {
    return Promise.reject(e);
  }
}

function doInit(message) {
  if (message.env && typeof message.env === 'object') {
    Object.keys(message.env).forEach(k => {
      const val = message.env[k];
      if (typeof val !== 'object' || val == null) process.env[k] = val ? val.toString() : '';
      else process.env[k] = JSON.stringify(val);
    });
  }
  return initializeActionHandler(message).then(handler => { userMain = handler; })
    .catch(error => {
      console.error('Error during initialization:', error);
      writeMarkers();
      return Promise.reject(error);
    });
}

function initCode(body) {
  if (status === 'ready' && userMain === undefined) {
    setStatus('starting');
    const message = (body || {}).value || {};
    if (message.main && message.code && typeof message.main === 'string' &&
        typeof message.code === 'string') {
      return doInit(message).then(() => {
        setStatus('ready');
        return [200, { OK: true }];
      }).catch(error => {
        setStatus('stopped');
        return [502, { error: `Initialization has failed due to: ${error && error.stack ? String(error.stack) : error}` }];
      });
    }
    setStatus('ready');
    return Promise.resolve([403, { error: 'Missing main/no code to execute.' }]);
  }
  const msg = userMain !== undefined ? 'Cannot initialize the action more than once.'
    : `System not ready, status is ${status}.`;
  console.error('Internal system error:', msg);
  return Promise.resolve([403, { error: msg }]);
}

function runUser(args) {
  return new Promise((resolve, reject) => {
    let result;
    try {
      result = userMain(args);
    } catch (e) {
      reject(e);
    }
    Promise.resolve(result).then(r => resolve(r === undefined ? {} : r))
      .catch(error => resolve(error ? { error: serializeError(error) } : { error: {} }));
  });
}

function runCode(body) {
  if (status === 'ready' && userMain !== undefined) {
    setStatus('running');
    const msg = body || {};
    if (msg.value === null || msg.value === undefined) {
      msg.value = {};
    } else if (typeof msg.value !== 'object') {
      const err = `Internal system error: the argument must be a dictionary but has type '${typeof msg.value}'.`;
      console.error('Internal system error:', err);
      return Promise.resolve([403, { error: err }]);
    }
    // service.js doRun: every string field but value becomes __OW_<FIELD>.
    Object.keys(msg).forEach(k => {
      if (typeof msg[k] === 'string' && k !== 'value') process.env['__OW_' + k.toUpperCase()] = msg[k];
    });
    return runUser(msg.value).then(result => {
      if (typeof result !== 'object') {
        console.error(`Result must be of type object but has type "${typeof result}":`, result);
      }
      writeMarkers();
      setStatus('ready');
      if (typeof result !== 'object') return [502, { error: 'The action did not return a dictionary.' }];
      return [200, result];
    }, error => {
      console.error(error);
      writeMarkers();
      setStatus('stopped');
      return [502, { error: `An error has occurred: ${error}` }];
    });
  }
  const err = userMain ? `System not ready, status is ${status}.` : 'System not initialized.';
  console.error('Internal system error:', err);
  return Promise.resolve([403, { error: err }]);
}

function send(res, code, value) {
  const text = JSON.stringify(value);
  res.writeHead(code, { 'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', c => {
    size += c.length;
    if (size <= BODY_LIMIT) chunks.push(c);
  });
  req.on('end', () => {
    const endpoint = req.method === 'POST' && { '/init': initCode, '/run': runCode }[req.url];
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch (e) {
      body = undefined;
    }
    // app.js: unknown routes and bodies that are not JSON get 500 "Bad request."
    if (!endpoint || body === undefined || size > BODY_LIMIT) {
      return send(res, size > BODY_LIMIT ? 413 : 500, { error: 'Bad request.' });
    }
    endpoint(body).then(([code, value]) => send(res, code, value),
      () => send(res, 500, { error: 'Internal error.' }));
  });
});
server.timeout = 0;
server.listen(Number(port), host);
