// The upload box of a dataset page (#upload-box): sends each chosen file to the API with a PUT of its bytes,
// shows its progress, retries a broken connection or a server error with back-off, shows the problem's detail
// when the server refuses (409 duplicate, 413 quota), and refreshes the file list when all are done. Listens on
// the document, so it works however the page arrived (server-rendered or navigated to).
(() => {
  'use strict';
  const TRIES = 4;
  document.documentElement.classList.add('js');

  const csrf = () => {
    const c = document.cookie.split('; ').find((p) => p.startsWith('meridian_csrf='));
    return c ? decodeURIComponent(c.slice('meridian_csrf='.length)) : '';
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
        const p = Math.floor(f * 100);
        bar.value = p;
        pct.textContent = `${p}%`;
      },
      say(text, kind) {
        state.textContent = text;
        li.dataset.state = kind;
      },
    };
  }

  function put(url, file, onProgress) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      xhr.setRequestHeader('X-CSRF-Token', csrf());
      xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => resolve({ status: 0, body: '' });
      xhr.ontimeout = xhr.onerror;
      xhr.send(file);
    });
  }

  function detail(res) {
    try {
      const p = JSON.parse(res.body);
      if (p && p.detail) return p.detail;
    } catch { /* not a problem document */ }
    return res.status ? `the server answered ${res.status}` : 'the connection broke off';
  }

  async function send(base, file, r) {
    for (let attempt = 1; ; attempt++) {
      const res = await put(base + encodeURIComponent(file.name), file, (f) => r.progress(f));
      if (res.status >= 200 && res.status < 300) {
        r.progress(1);
        r.say('done', 'done');
        return true;
      }
      // Refusals (duplicate, quota, bad name, no permission) are final; a broken connection or a server error
      // may pass.
      const passing = res.status === 0 || res.status === 408 || res.status === 429 || res.status >= 500;
      if (!passing || attempt >= TRIES) {
        r.say(detail(res), 'failed');
        return false;
      }
      const wait = 500 * 2 ** (attempt - 1) + Math.floor(Math.random() * 250);
      r.progress(0);
      r.say(`retrying… (attempt ${attempt + 1} of ${TRIES})`, 'retrying');
      await sleep(wait);
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
      if (await send(box.dataset.url, files[i], rows[i])) sent++;
    }
    if (!sent) return;
    const refresh = document.getElementById('refresh-files');
    if (refresh && refresh.hasAttribute('data-live')) refresh.click();
    else if (sent === files.length) location.reload();
  });
})();
