const { Worker, isMainThread } = require('worker_threads');
if (isMainThread) { let n = 0; for (let i = 0; i < 2; i++) { const w = new Worker(__filename); w.on('exit', () => { if (++n == 2) console.log('done'); }); } }
else { let a = []; for (let i = 0; i < 200000; i++) a.push({i}); }
