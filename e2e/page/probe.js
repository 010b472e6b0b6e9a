// In-page helpers the runner calls with page.evaluate. Each returns a plain summary of what the
// page could see. Every fetch() the page makes (its own or the AWS SDK's) is recorded as the
// page asked for it, so the verdicts can name the exact requests, and so is the error of every
// fetch() that failed: all a script learns of a blocked request.
(() => {
  'use strict';
  const requests = [];
  const errors = [];
  const realFetch = window.fetch.bind(window);
  window.fetch = (input, init = {}) => {
    const req = input instanceof Request ? input : null;
    requests.push({
      url: String(req ? req.url : input),
      method: (init.method || (req ? req.method : 'GET')).toUpperCase(),
      headers: Object.fromEntries(new Headers(init.headers || (req ? req.headers : undefined))),
      credentials: init.credentials || (req ? req.credentials : 'same-origin'),
      mode: init.mode || (req ? req.mode : 'cors'),
      ...(init.cache ? { cache: init.cache } : {}),
      origin: location.origin,
    });
    return realFetch(input, init).catch((e) => {
      errors.push(String(e));
      throw e;
    });
  };

  const readable = (res) => {
    const headers = {};
    res.headers.forEach((v, k) => { headers[k] = v; });
    return headers;
  };

  // cache: the request's cache mode ('no-store' goes to the network past the browser's own
  // cache, which the edge cases keep out of the way); undefined = the default.
  const fetchOne = async ({ url, method = 'GET', headers, body, credentials, cache }) => {
    try {
      const res = await fetch(url, { method, headers, body, credentials, cache });
      return { ok: true, status: res.status, headers: readable(res), body: await res.text() };
    } catch (e) {
      return { ok: false, error: String(e) };
    }
  };

  window.e2e = {
    requests: () => requests,

    errors: () => errors,

    fetch: fetchOne,

    // The same request again after each pause.
    series: async ({ request, pausesMs }) => {
      const results = [await fetchOne(request)];
      for (const ms of pausesMs) {
        await new Promise((r) => setTimeout(r, ms));
        results.push(await fetchOne(request));
      }
      return results;
    },

    // A multipart upload through presigned URLs: PUT each part (sizes in bytes), read its ETag,
    // then POST the completion document. Stops when an ETag cannot be read.
    multipart: async ({ partUrls, sizes, completeUrl }) => {
      const parts = [];
      for (let i = 0; i < partUrls.length; i++) {
        const r = await fetchOne({ url: partUrls[i], method: 'PUT', body: new Uint8Array(sizes[i]).fill(97 + i) });
        parts.push({ status: r.status, error: r.error, etag: r.ok ? (r.headers.etag ?? null) : undefined });
        if (!r.ok || r.headers.etag === undefined) return { parts };
      }
      const xml = '<CompleteMultipartUpload>' + parts.map((p, i) =>
        `<Part><PartNumber>${i + 1}</PartNumber><ETag>${p.etag}</ETag></Part>`).join('') + '</CompleteMultipartUpload>';
      const done = await fetchOne({ url: completeUrl, method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: xml });
      return { parts, complete: { status: done.status, error: done.error, body: done.body } };
    },

    // The AWS SDK for JavaScript v3 (bundled as S3SDK) signing with SigV4 in the page.
    sdk: async ({ endpoint, region, credentials, bucket, key }) => {
      const S = window.S3SDK;
      // One attempt: the SDK retries a failed fetch, which would blur the server's counts.
      const client = new S.S3Client({ endpoint, region, credentials, forcePathStyle: true, maxAttempts: 1 });
      const calls = [
        ['PutObject', new S.PutObjectCommand({ Bucket: bucket, Key: key, Body: 'written by the page', ContentType: 'text/plain' }),
          (r) => (r.ETag ? 'ETag read' : 'ETag unreadable')],
        ['GetObject', new S.GetObjectCommand({ Bucket: bucket, Key: key }), async (r) => `"${await r.Body.transformToString()}"`],
        ['ListObjectsV2', new S.ListObjectsV2Command({ Bucket: bucket }), (r) => `keys ${(r.Contents || []).map((o) => o.Key).join(',')}`],
        ['DeleteObject', new S.DeleteObjectCommand({ Bucket: bucket, Key: key }), () => ''],
      ];
      const out = {};
      for (const [name, command, summarise] of calls) {
        try {
          out[name] = `ok ${await summarise(await client.send(command))}`.trim();
        } catch (e) {
          // A CORS failure reaches the SDK as fetch()'s TypeError.
          out[name] = e.name === 'TypeError' ? 'blocked' : `failed ${e.name}: ${e.message}`;
        }
      }
      return out;
    },

    // A browser form upload (POST Object): the signed fields, the key, then the file.
    post: ({ url, fields, key, content }) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('key', key);
      form.append('file', new Blob([content], { type: 'text/plain' }), 'upload.txt');
      return fetchOne({ url, method: 'POST', body: form });
    },

    // An <img> load (no CORS, no Origin header), then a fetch() of the same URL (with the
    // given cache mode).
    imgThenFetch: async ({ url, cache }) => {
      const img = new Image();
      const loaded = await new Promise((resolve) => {
        img.onload = () => resolve(`${img.naturalWidth}x${img.naturalHeight}`);
        img.onerror = () => resolve('error');
        img.src = url;
      });
      requests.push({ url, method: 'GET', headers: {}, credentials: 'include', mode: 'no-cors', origin: location.origin });
      return { img: loaded, fetch: await fetchOne({ url, cache }) };
    },

    // The result of a page's own app script (it sets window.appResult).
    appResult: () => window.appResult,
  };
})();
