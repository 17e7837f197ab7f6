// Small DOM helpers of the portal: element building with translated text, the
// message area, the progress indicator, key-file downloads and the signing dialog.

import { t, has } from './i18n.js';
import { ApiError } from './api.js';

/**
 * h builds an element. attrs: plain attributes, plus `i18n` (translation key of the
 * text, kept in data-i18n so a language switch re-translates it), `i18nParams`,
 * `text` (untranslated text), `on` ({event: handler}), `dataset`, and boolean
 * properties (disabled, checked, hidden, required) set when true.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'i18n') el.dataset.i18n = v;
    else if (k === 'i18nParams') el.dataset.i18nParams = JSON.stringify(v);
    else if (k === 'i18nAria') el.dataset.i18nAria = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.className = v;
    else if (['disabled', 'checked', 'hidden', 'required', 'multiple', 'selected', 'open'].includes(k)) el[k] = !!v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  put(el, children);
  translateOne(el);
  return el;
}

/**
 * put appends children to el, skipping null, undefined and false (the DOM's own
 * append would print them as text: "null") and flattening arrays; it returns el.
 */
export function put(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function translateOne(el) {
  if (el.dataset && el.dataset.i18n) {
    const p = el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : undefined;
    el.textContent = t(el.dataset.i18n, p);
  }
  if (el.dataset && el.dataset.i18nAria) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}

/** field builds a labelled input: {id, label (key), type, required, hint (key), attrs}. */
export function field(o) {
  const control = o.control || h(o.tag || 'input', Object.assign({ id: o.id, name: o.name || o.id, type: o.tag ? undefined : (o.type || 'text'), required: o.required }, o.attrs || {}));
  // A control may come with companions (a datalist): the first element is the input.
  const input = Array.isArray(control) ? control[0] : control;
  const hintId = o.hint ? `${o.id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  if (o.required) input.setAttribute('aria-required', 'true');
  return h('div', { class: 'field' + (o.wide ? ' wide' : '') },
    h('label', { for: o.id }, h('span', { i18n: o.label }), o.required ? h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) : null),
    control,
    hintId ? h('p', { class: 'hint', id: hintId, i18n: o.hint, i18nParams: o.hintParams }) : null,
    o.after || null);
}

/** select builds a <select> of options [{value, i18n}|{value, text}]. */
export function select(id, options, attrs) {
  return h('select', Object.assign({ id, name: id }, attrs || {}),
    options.map((o) => h('option', { value: o.value, i18n: o.i18n, text: o.text })));
}

/** clear empties an element. */
export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

const msgEl = () => document.getElementById('message');

/**
 * message shows a message of kind error|info|success: a translated key with params
 * (or several keys, one paragraph each), and optionally an untranslated English detail
 * (folded under "Details", for support) and a list.
 */
export function message(kind, key, params, detail, list) {
  const el = msgEl();
  clear(el);
  el.dataset.kind = kind;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  el.setAttribute('aria-live', kind === 'error' ? 'assertive' : 'polite');
  for (const k of Array.isArray(key) ? key : [key]) put(el, h('p', { i18n: k, i18nParams: params }));
  if (list && list.length) put(el, h('ul', {}, list.map((x) => (x instanceof Node ? h('li', {}, x) : h('li', { text: x })))));
  if (detail) put(el, h('details', { class: 'detail' }, h('summary', { i18n: 'msg.details' }), h('p', { lang: 'en', text: detail })));
  el.hidden = false;
  // An error must be seen even when the button that caused it is far down the page.
  if (kind === 'error' && typeof el.scrollIntoView === 'function') el.scrollIntoView({ block: 'nearest' });
}

/** clearMessage hides the message area. */
export function clearMessage() {
  const el = msgEl();
  clear(el);
  el.dataset.kind = 'info';
  el.hidden = true;
}

/** problemKey returns the translation key telling what to do after a failed call. */
export function problemKey(err) {
  if (!(err instanceof ApiError)) return 'err.generic';
  if (err.status === 0) return 'err.network';
  if (err.type === '/problems/documents-incomplete') return 'err.documents_incomplete';
  if (err.type === '/problems/registry-mismatch') return 'err.registry_mismatch';
  const byStatus = { 400: 'err.invalid', 401: 'err.unauthorized', 403: 'err.forbidden', 404: 'err.not_found', 409: 'err.conflict', 410: 'err.expired', 413: 'err.too_large', 422: 'err.unprocessable', 429: 'err.too_many' };
  return byStatus[err.status] || 'err.internal';
}

/**
 * showError shows err in #message: what to do (translated), the server's detail and,
 * for an incomplete document set, the missing documents by their titles.
 */
export function showError(err, key) {
  if (!(err instanceof ApiError)) {
    // The browser crypto names its errors (err.code, docs/portal-crypto.md): say them
    // in the page's language; an unnamed one keeps its English words as a detail.
    const code = err && err.code;
    if (code && has(`crypto.${code}`)) {
      message('error', key ? [key, `crypto.${code}`] : `crypto.${code}`);
      return;
    }
    message('error', key || 'err.crypto', undefined, err && err.message ? err.message : String(err));
    return;
  }
  // Documents (documents-incomplete) or registry fields (registry-mismatch) by name.
  const mismatch = err.type === '/problems/registry-mismatch';
  const missing = (err.missing || []).map((id) => h('span', { i18n: mismatch ? `mismatch.${id}` : `doc.${id}` }));
  // What failed, what to do, then what is missing; the server's English words only
  // folded, for support.
  const keys = key && err.status !== 0 ? [key, problemKey(err)] : [problemKey(err)];
  message('error', keys, undefined, missing.length ? null : err.detail, missing);
  if (missing.length && !mismatch) put(msgEl(), h('p', { i18n: 'err.documents_incomplete_next' }));
}

/**
 * busy runs fn while the progress indicator (progress#progress) shows labelKey and
 * the given buttons are disabled; it returns fn's result.
 */
export async function busy(labelKey, fn, ...buttons) {
  const box = document.getElementById('progress-box');
  const label = document.getElementById('progress-label');
  label.dataset.i18n = labelKey;
  label.textContent = t(labelKey);
  let bar = document.getElementById('progress');
  if (!bar) {
    bar = h('progress', { id: 'progress', 'aria-labelledby': 'progress-label' });
    put(box, bar);
  }
  box.hidden = false;
  document.body.setAttribute('aria-busy', 'true');
  const was = buttons.map((b) => b && b.disabled);
  buttons.forEach((b) => { if (b) b.disabled = true; });
  try {
    return await fn();
  } finally {
    buttons.forEach((b, i) => { if (b) b.disabled = was[i]; });
    box.hidden = true;
    bar.remove();
    document.body.removeAttribute('aria-busy');
  }
}

/** focusHeading moves the focus to the first heading of root (route changes). */
export function focusHeading(root) {
  const hd = root.querySelector('h1, h2');
  if (!hd) return;
  hd.setAttribute('tabindex', '-1');
  hd.focus({ preventScroll: false });
}

/** readFile reads a File into a Uint8Array. */
export async function readFile(file) {
  return new Uint8Array(await file.arrayBuffer());
}

/** Base64 (standard, padded) of bytes, and back. */
export function toB64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
export function fromB64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * keyFiles renders download links (a.key-file[download]) for files [{name, data}] into
 * container and, where the browser can (showDirectoryPicker), a "save to a folder"
 * button. onChange(allSaved) is called whenever a file is saved. Returns a
 * function that revokes the object URLs.
 */
export function keyFiles(container, files, onChange) {
  clear(container);
  const saved = new Set();
  const urls = [];
  const status = h('p', { class: 'hint', id: 'key-downloads-status', 'aria-live': 'polite' });
  const update = () => {
    status.dataset.i18n = saved.size === files.length ? 'keys.all_saved' : 'keys.save_each';
    status.dataset.i18nParams = JSON.stringify({ n: files.length - saved.size });
    translateOne(status);
    onChange(saved.size === files.length);
  };
  const list = h('ul', { class: 'files' });
  for (const f of files) {
    const url = URL.createObjectURL(new Blob([f.data], { type: 'application/x-pkcs12' }));
    urls.push(url);
    const a = h('a', { class: 'key-file', href: url, download: f.name, dataset: { name: f.name } },
      h('span', { i18n: 'keys.download' }), ' ', h('code', { text: f.name }));
    const mark = h('span', { class: 'saved-mark', hidden: true, i18n: 'keys.saved' });
    a.addEventListener('click', () => {
      saved.add(f.name);
      a.classList.add('saved');
      mark.hidden = false;
      update();
    });
    put(list, h('li', {}, a, ' ', mark));
  }
  put(container, list);
  if (typeof window.showDirectoryPicker === 'function') {
    const btn = h('button', { type: 'button', id: 'save-to-folder', i18n: 'keys.save_folder' });
    btn.addEventListener('click', async () => {
      try {
        const dir = await window.showDirectoryPicker({ mode: 'readwrite' });
        for (const f of files) {
          const fh = await dir.getFileHandle(f.name, { create: true });
          const w = await fh.createWritable();
          await w.write(f.data);
          await w.close();
          saved.add(f.name);
        }
        for (const a of list.querySelectorAll('a.key-file')) {
          a.classList.add('saved');
          a.parentNode.querySelector('.saved-mark').hidden = false;
        }
        message('success', 'keys.folder_saved', { n: files.length });
        update();
      } catch (e) {
        if (e && e.name === 'AbortError') return;
        message('error', 'keys.folder_failed', undefined, e && e.message);
      }
    });
    put(container, h('p', {}, btn, ' ', h('span', { class: 'hint', i18n: 'keys.save_folder_hint' })));
  }
  put(container, status);
  update();
  return () => urls.forEach((u) => URL.revokeObjectURL(u));
}

/** downloadBytes offers bytes as a file download. */
export function downloadBytes(name, bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type: type || 'application/octet-stream' }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 10000);
}

/**
 * signDialog asks for the signing key file and its password in the dialog
 * (input#sign-file, #sign-password, button#sign-submit) and runs action({data,
 * password}) with them. An error of the action is shown in the dialog so the user
 * can correct the password; the dialog closes once the action succeeds. It resolves
 * to the action's result, or null when cancelled. extra: optional elements shown in
 * the dialog (a reason, a choice).
 */
export function signDialog(whatKey, whatParams, action, extra) {
  const dlg = document.getElementById('sign-dialog');
  const form = document.getElementById('sign-form');
  const file = document.getElementById('sign-file');
  const pw = document.getElementById('sign-password');
  const err = document.getElementById('sign-error');
  const submit = document.getElementById('sign-submit');
  const cancel = document.getElementById('sign-cancel');
  const what = document.getElementById('sign-what');
  const extraBox = document.getElementById('sign-extra');
  what.dataset.i18n = whatKey;
  what.dataset.i18nParams = JSON.stringify(whatParams || {});
  translateOne(what);
  clear(extraBox);
  if (extra) put(extraBox, extra);
  err.hidden = true;
  pw.value = '';
  file.value = '';
  return new Promise((resolve) => {
    const done = (v) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dlg.removeEventListener('cancel', onCancel);
      pw.value = '';
      if (dlg.open) dlg.close();
      resolve(v);
    };
    const onCancel = (e) => { if (e) e.preventDefault(); done(null); };
    const onSubmit = async (e) => {
      e.preventDefault();
      err.hidden = true;
      if (!file.files || !file.files[0]) { showDialogError(err, 'sign.need_file'); file.focus(); return; }
      if (!pw.value) { showDialogError(err, 'sign.need_password'); pw.focus(); return; }
      try {
        const data = await readFile(file.files[0]);
        const result = await busy('progress.signing', () => action({ data, password: pw.value }), submit);
        done(result);
      } catch (ex) {
        if (ex instanceof ApiError) {
          done(null);
          showError(ex);
          return;
        }
        const code = ex && ex.code;
        if (code && has(`crypto.${code}`)) showDialogError(err, 'sign.failed', null, `crypto.${code}`);
        else showDialogError(err, 'sign.failed', ex && ex.message);
        pw.focus();
      }
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dlg.addEventListener('cancel', onCancel);
    dlg.showModal();
    file.focus();
  });
}

function showDialogError(el, key, detail, detailKey) {
  clear(el);
  put(el, h('span', { i18n: key }));
  if (detailKey) put(el, ' ', h('span', { i18n: detailKey }));
  else if (detail) put(el, ' ', h('span', { lang: 'en', text: detail }));
  el.hidden = false;
}

/** table builds a table with translated column headers and rows. */
export function table(id, captionKey, headKeys, rows) {
  return h('div', { class: 'table-wrap' },
    h('table', { id },
      h('caption', { i18n: captionKey }),
      h('thead', {}, h('tr', {}, headKeys.map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, rows)));
}

export { translateOne };
