// withDeadline rejects when a promise has not settled within ms: every wait of the console's
// run has an end.
'use strict';

function withDeadline(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

module.exports = { withDeadline };
