const { Worker, isMainThread, parentPort } = require('worker_threads');
if (isMainThread) {
  let done = 0;
  for (let i = 0; i < 2; i++) {
    const w = new Worker(__filename);
    w.on('message', (m) => { if (++done === 2) console.log('ok', m); });
  }
} else {
  let a = [];
  for (let k = 0; k < 30; k++) { a.push(new Float64Array(300000).fill(k)); if (a.length > 4) a.shift(); }
  parentPort.postMessage(a.length);
}
