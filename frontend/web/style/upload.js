// The upload box of a dataset page (#upload-box). Each chosen file goes to the API, with its progress shown:
// - a small file as one PUT of its bytes, sent again from the start if the connection breaks or the server errs;
// - a large one (from data-resumable-from bytes) as a resumable upload: started with its name and size, sent in
//   parts (a few at once), each part retried alone with back-off, then completed and verified by the server.
//   The upload's id is kept in localStorage under the dataset, name, size and modification time, so choosing the
//   same file again (after the page was closed or the network gave up) sends only the parts still missing.
// Refusals (409 duplicate, 413 quota, bad name) show the problem's detail. The file list is refreshed when all
// are done. Listens on the document, so it works however the page arrived (server-rendered or navigated to).
(() => {
  'use strict';
  const TRIES = 4;
  const PART_TRIES = 8;
  const PART_SIZE = 8 * 1024 * 1024;
  const PARALLEL = 3;
  const RESUMABLE_FROM = 32 * 1024 * 1024;
  document.documentElement.classList.add('js');

  const csrf = () => {
    // `__Host-meridian_csrf` where the site is served over HTTPS (preferred: a plain one may be left from before).
    const cookies = document.cookie.split('; ');
    const c = cookies.find((p) => p.startsWith('__Host-meridian_csrf=')) || cookies.find((p) => p.startsWith('meridian_csrf='));
    return c ? decodeURIComponent(c.slice(c.indexOf('=') + 1)) : '';
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const backoff = (attempt) => Math.min(500 * 2 ** (attempt - 1), 8000) + Math.floor(Math.random() * 250);
  // A broken connection, a timeout, throttling or a server error may pass; anything else is the answer.
  const passing = (status) => status === 0 || status === 408 || status === 429 || status >= 500;
  const ok = (status) => status >= 200 && status < 300;

  function row(list, file) {
    const li = document.createElement('li');
    li.className = 'upload';
    const name = document.createElement('span');
    name.className = 'upload-name';
    name.textContent = file.name;
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    const pct = document.createElement('span');
    pct.className = 'upload-pct';
    pct.textContent = '0%';
    const state = document.createElement('span');
    state.className = 'upload-state';
    state.setAttribute('role', 'status');
    li.append(name, ' ', bar, ' ', pct, ' ', state);
    list.append(li);
    return {
      progress(f) {
        const p = Math.floor(Math.min(1, Math.max(0, f)) * 100);
        bar.value = p;
        pct.textContent = `${p}%`;
      },
      say(text, kind) {
        state.textContent = text;
        li.dataset.state = kind;
      },
    };
  }

  // One request; resolves with { status, body } (status 0 when the connection broke), never rejects.
  function send(method, url, body, { type, onProgress } = {}) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader('X-CSRF-Token', csrf());
      if (type) xhr.setRequestHeader('Content-Type', type);
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => resolve({ status: 0, body: '' });
      xhr.ontimeout = xhr.onerror;
      xhr.send(body);
    });
  }

  function detail(res) {
    try {
      const p = JSON.parse(res.body);
      if (p && p.detail) return p.detail;
    } catch { /* not a problem document */ }
    return res.status ? `the server answered ${res.status}` : 'the connection broke off';
  }

  class Refused extends Error {}

  // A small file: one PUT, sent again from the start when it does not get through.
  async function sendWhole(box, file, r) {
    const url = box.dataset.url + encodeURIComponent(file.name);
    const type = file.type || 'application/octet-stream';
    for (let attempt = 1; ; attempt++) {
      const res = await send('PUT', url, file, { type, onProgress: (n) => r.progress(n / (file.size || 1)) });
      if (ok(res.status)) return;
      if (!passing(res.status) || attempt >= TRIES) throw new Refused(detail(res));
      r.progress(0);
      r.say(`retrying… (attempt ${attempt + 1} of ${TRIES})`, 'retrying');
      await sleep(backoff(attempt));
    }
  }

  // A call of the resumable API (JSON), retried while the failure may pass; returns the answer, whatever it is.
  async function call(method, url, json, r) {
    for (let attempt = 1; ; attempt++) {
      const res = await send(method, url, json === undefined ? null : JSON.stringify(json), { type: json === undefined ? null : 'application/json' });
      if (!passing(res.status) || attempt >= TRIES) return res;
      r.say(`retrying… (attempt ${attempt + 1} of ${TRIES})`, 'retrying');
      await sleep(backoff(attempt));
    }
  }

  const memoryKey = (box, file) => `meridian.upload|${box.dataset.uploads}|${file.name}|${file.size}|${file.lastModified}`;
  const remember = (key, id) => { try { localStorage.setItem(key, id); } catch { /* private mode: no resuming */ } };
  const forget = (key) => {
    try { localStorage.removeItem(key); localStorage.removeItem(`${key}|token`); } catch { /* as above */ }
  };
  const recall = (key) => { try { return localStorage.getItem(key); } catch { return null; } };
  // This file's own name for the upload it asks to start, kept with it: a request sent again (its answer was lost,
  // or the page was closed while waiting) gets the upload it began, not a second one holding the same quota.
  function tokenFor(key) {
    let t = recall(`${key}|token`);
    if (!t) {
      t = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
      remember(`${key}|token`, t);
    }
    return t;
  }

  // The upload this file was already being sent as (still open or being verified), or a new one.
  async function startOrResume(box, file, r, key) {
    const known = recall(key);
    if (known) {
      const res = await call('GET', box.dataset.uploadBase + known, undefined, r);
      if (ok(res.status)) {
        const up = JSON.parse(res.body);
        if (up.status === 'open' || up.status === 'verifying' || up.status === 'done') return up;
      } else if (passing(res.status)) {
        // Not an answer about the upload: keep the note and its token for the next try.
        throw new Error(res.status === 0 ? 'the connection broke off' : detail(res));
      }
      forget(key);
    }
    const res = await call('POST', box.dataset.uploads, {
      name: file.name,
      size: file.size,
      content_type: file.type || null,
      part_size: PART_SIZE,
      client_token: tokenFor(key),
    }, r);
    // 201 a new upload; 200 the one this token began before (the request was sent again).
    if (!ok(res.status)) throw passing(res.status) ? new Error(detail(res)) : new Refused(detail(res));
    const up = JSON.parse(res.body);
    remember(key, up.id);
    return up;
  }

  async function sendParts(box, file, r, up) {
    const base = `${box.dataset.uploadBase}${up.id}/parts/`;
    const have = new Set(up.parts.map((p) => p.number));
    let sent = up.parts.reduce((n, p) => n + p.size, 0);
    const moving = new Map();
    const show = () => r.progress((sent + [...moving.values()].reduce((a, b) => a + b, 0)) / (file.size || 1));
    show();
    const queue = [];
    for (let n = 1; n <= up.part_count; n++) if (!have.has(n)) queue.push(n);
    let failure = null;
    // Parts being sent again, by number (their attempt): the row says so until they are in.
    const retrying = new Map();
    const state = () => {
      if (failure) return;
      const [n, attempt] = retrying.entries().next().value || [];
      if (n) r.say(`retrying part ${n}… (attempt ${attempt} of ${PART_TRIES})`, 'retrying');
      else r.say('uploading', 'uploading');
    };
    const worker = async () => {
      while (queue.length && !failure) {
        const n = queue.shift();
        const start = (n - 1) * up.part_size;
        const part = file.slice(start, Math.min(start + up.part_size, file.size));
        for (let attempt = 1; ; attempt++) {
          const res = await send('PUT', base + n, part, {
            type: 'application/octet-stream',
            onProgress: (loaded) => { moving.set(n, loaded); show(); },
          });
          moving.delete(n);
          if (ok(res.status)) {
            sent += part.size;
            show();
            retrying.delete(n);
            state();
            break;
          }
          if (!passing(res.status)) { failure = new Refused(detail(res)); return; }
          if (attempt >= PART_TRIES) { failure = new Error(detail(res)); return; }
          show();
          retrying.set(n, attempt + 1);
          state();
          await sleep(backoff(attempt));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
    if (failure) throw failure;
  }

  // Completes the upload and waits for the server's verification (it reads the file once).
  async function finish(box, r, up) {
    const url = box.dataset.uploadBase + up.id;
    if (up.status === 'open') {
      const res = await call('POST', `${url}/complete`, {}, r);
      if (res.status !== 202) throw passing(res.status) ? new Error(detail(res)) : new Refused(detail(res));
      up = JSON.parse(res.body);
    }
    r.progress(1);
    for (let polls = 0; up.status === 'verifying'; polls++) {
      r.say('verifying…', 'verifying');
      await sleep(Math.min(250 * 2 ** polls, 2000));
      const res = await call('GET', url, undefined, r);
      if (!ok(res.status)) throw passing(res.status) ? new Error(detail(res)) : new Refused(detail(res));
      up = JSON.parse(res.body);
    }
    if (up.status !== 'done') throw new Refused(up.error || `the upload is ${up.status}`);
  }

  async function sendResumable(box, file, r) {
    const key = memoryKey(box, file);
    try {
      const up = await startOrResume(box, file, r, key);
      if (up.status === 'open') await sendParts(box, file, r, up);
      await finish(box, r, up);
      forget(key);
    } catch (e) {
      // Refused: nothing to resume. Otherwise the parts sent so far stay; choosing the file again resumes.
      if (e instanceof Refused) forget(key);
      else if (recall(key)) throw new Error(`${e.message}; choose the file again to resume`);
      throw e;
    }
  }

  async function upload(box, file, r) {
    const from = Number(box.dataset.resumableFrom) || RESUMABLE_FROM;
    try {
      if (box.dataset.uploads && file.size >= from) await sendResumable(box, file, r);
      else await sendWhole(box, file, r);
      r.progress(1);
      r.say('done', 'done');
      return true;
    } catch (e) {
      r.say(e.message, 'failed');
      return false;
    }
  }

  document.addEventListener('change', async (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.id !== 'upload-input') return;
    const box = input.closest('#upload-box');
    const list = box.querySelector('#upload-list');
    const files = Array.from(input.files || []);
    input.value = '';
    if (!files.length) return;
    const rows = files.map((f) => row(list, f));
    rows.forEach((r) => r.say('waiting', 'waiting'));
    let sent = 0;
    for (let i = 0; i < files.length; i++) {
      rows[i].say('uploading', 'uploading');
      if (await upload(box, files[i], rows[i])) sent++;
    }
    if (!sent) return;
    const refresh = document.getElementById('refresh-files');
    if (refresh && refresh.hasAttribute('data-live')) refresh.click();
    else if (sent === files.length) location.reload();
  });
})();
