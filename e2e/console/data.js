// The bytes the console uploads: made from a seed by xorshift32, the same function in the
// page (it crosses as source text) and in Node, so that the runner knows their SHA-256
// without moving 20 MiB between them.
'use strict';

const crypto = require('node:crypto');

// seededBytes returns size bytes of xorshift32 output from seed (not 0).
function seededBytes(seed, size) {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, size);
}

function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

module.exports = { seededBytes, sha256 };
