// Preloaded with --require into a child process and, through the execArgv
// they inherit, its worker threads: every way Node offers to reach the network records the
// attempt in $TINYEDGE_TRIPWIRE and throws, so a test can prove that nothing
// tried. Detection only: it changes no behaviour of code that stays local.
'use strict';
const { appendFileSync } = require('node:fs');
const dns = require('node:dns');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const tls = require('node:tls');
const dgram = require('node:dgram');
const { threadId } = require('node:worker_threads');

const log = process.env.TINYEDGE_TRIPWIRE;
// Which threads are guarded, so a test can check that workers are too.
if (process.env.TINYEDGE_TRIPWIRE_ARMED) appendFileSync(process.env.TINYEDGE_TRIPWIRE_ARMED, `${threadId}\n`);
const trip = (what) => {
  if (log) appendFileSync(log, `${what}\n`);
  throw new Error(`network access attempted: ${what}`);
};
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  // Node passes normalized [options, callback] pairs internally. A Unix
  // socket path is local IPC (tsx's loader uses one), not the network.
  const target = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof target === 'string' || (target && typeof target === 'object' && typeof target.path === 'string')) {
    return Reflect.apply(originalConnect, this, args);
  }
  return trip(`net connect ${JSON.stringify(target)}`);
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  dns[name] = () => trip(`dns.${name}`);
  dns.promises[name] = async () => trip(`dns.promises.${name}`);
}
http.request = () => trip('http.request');
http.get = () => trip('http.get');
https.request = () => trip('https.request');
https.get = () => trip('https.get');
tls.connect = () => trip('tls.connect');
dgram.createSocket = () => trip('dgram.createSocket');
globalThis.fetch = async (url) => trip(`fetch ${String(url)}`);
