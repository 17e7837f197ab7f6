// The public status of an application by its number, with the history and the
// reason of a refusal; once issued, the certificates are installed into the user's
// key file in the browser (the file never leaves it).

import { get, enc } from './api.js';
import { fmtDate } from './i18n.js';
import { historyTable } from './history.js';
import { h, field, clear, message, clearMessage, showError, busy, readFile, put } from './ui.js';
import { crypto } from './keys.js';

export async function renderStatus(app, args) {
  const num = h('input', { id: 'status-number', type: 'text', autocomplete: 'off', spellcheck: 'false', required: true, class: 'mono', value: args[0] || '', 'aria-describedby': 'status-number-hint' });
  const btn = h('button', { type: 'submit', id: 'status-lookup', class: 'primary', i18n: 'status.lookup' });
  const out = h('div', { id: 'status-result', 'aria-live': 'polite' });
  const form = h('form', { id: 'status-form', novalidate: true, role: 'search' },
    field({ id: 'status-number', label: 'status.number', control: num, required: true, hint: 'status.number_hint' }),
    h('div', { class: 'actions' }, btn));
  put(app, h('h1', { i18n: 'status.title' }), h('p', { class: 'lead', i18n: 'status.lead' }), form, out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = num.value.trim();
    if (!n) { message('error', 'status.need_number'); num.focus(); return; }
    const target = `#/status/${encodeURIComponent(n)}`;
    if (location.hash !== target) location.hash = target;
    else lookup(out, n, btn);
  });
  if (args[0]) await lookup(out, args[0], btn);
}

async function lookup(out, number, btn) {
  clear(out);
  clearMessage();
  let st;
  try {
    st = await busy('progress.loading', () => get(`/api/v1/applications/${enc(number)}`), btn);
  } catch (e) {
    showError(e, 'status.failed');
    return;
  }
  const refused = st.state === 'refused' || st.state === 'rejected_by_head';
  put(out, 
    h('h2', { i18n: 'status.application' }),
    h('dl', { class: 'facts' },
      h('dt', { i18n: 'result.number' }), h('dd', { class: 'mono', text: st.number }),
      h('dt', { i18n: 'result.template' }), h('dd', { i18n: `tpl.${st.template}` }),
      h('dt', { i18n: 'result.state' }), h('dd', {}, h('strong', { id: 'status-state', class: `state state-${st.state}`, dataset: { state: st.state }, i18n: `state.${st.state}` })),
      h('dt', { i18n: 'status.created' }), h('dd', { text: fmtDate(st.created_at, true) }),
      // The deadline matters only while the application waits for a visit or the head.
      st.state === 'awaiting_identification' || st.state === 'awaiting_head_confirmation'
        ? [h('dt', { i18n: 'result.deadline' }), h('dd', { id: 'status-deadline', text: fmtDate(st.deadline) })] : null,
      st.state === 'expired'
        ? [h('dt', { i18n: 'status.expired_on' }), h('dd', { id: 'status-expired-on', text: fmtDate(expiredAt(st)) })] : null),
    h('p', { class: 'explain', i18n: `state.${st.state}.explain` }));
  // Missing documents matter only while another visit can complete the application.
  const missing = st.state === 'awaiting_identification' ? (st.missing_documents || []) : [];
  const refusal = h('div', { id: 'status-refusal', hidden: !refused && !missing.length });
  if (refused) {
    put(refusal, h('h3', { i18n: 'status.refusal' }),
      st.refusal_reason ? h('p', { dataset: { reason: st.refusal_reason } }, h('strong', { i18n: `refusal.${st.refusal_reason}` })) : null,
      st.refusal_detail ? h('p', { text: st.refusal_detail }) : null,
      h('p', { class: 'hint', i18n: 'status.refusal_next' }));
  }
  if (missing.length) {
    put(refusal, h('h3', { i18n: 'status.missing' }),
      h('ul', {}, missing.map((id) => h('li', { i18n: `doc.${id}` }))),
      h('p', { class: 'hint', i18n: 'status.missing_next' }));
  }
  put(out, refusal);
  put(out, historyTable('status-history', st.history, false));
  if (st.state === 'issued') put(out, installBlock(st));
}

/** installBlock: load the key file, write the issued certificates into it, download it. */
function installBlock(st) {
  const file = h('input', { type: 'file', id: 'install-file', accept: '.p12,.pfx,application/x-pkcs12', required: true, multiple: false });
  const pw = h('input', { type: 'password', id: 'install-password', autocomplete: 'current-password', required: true });
  const btn = h('button', { type: 'submit', id: 'install-certs', class: 'primary', i18n: 'install.submit' });
  const result = h('div', { id: 'install-result', 'aria-live': 'polite' });
  const form = h('form', { id: 'install-form', novalidate: true },
    h('fieldset', {}, h('legend', { i18n: 'install.legend' }),
      h('p', { i18n: 'install.text' }),
      st.certificates && st.certificates.length ? h('p', { class: 'hint' }, h('span', { i18n: 'install.serials' }), ' ', h('span', { class: 'mono', text: st.certificates.join(', ') })) : null,
      field({ id: 'install-file', label: 'install.file', control: file, required: true, hint: 'install.file_hint' }),
      field({ id: 'install-password', label: 'install.password', control: pw, required: true }),
      h('div', { class: 'actions' }, btn),
      result));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearMessage();
    clear(result);
    const f = file.files && file.files[0];
    if (!f) { message('error', 'install.need_file'); file.focus(); return; }
    if (!pw.value) { message('error', 'sign.need_password'); pw.focus(); return; }
    try {
      const res = await busy('progress.install', async () => {
        const data = await readFile(f);
        const certs = await get(`/api/v1/applications/${enc(st.number)}/certificates`);
        const c = await crypto();
        return c.install({ data, password: pw.value, certificates: certs.certificates });
      }, btn);
      pw.value = '';
      const url = URL.createObjectURL(new Blob([res.data], { type: 'application/x-pkcs12' }));
      put(result, 
        h('p', { i18n: 'install.done', i18nParams: { n: (res.installed || []).length } }),
        h('p', {}, h('a', { id: 'installed-download', class: 'button key-file', href: url, download: f.name }, h('span', { i18n: 'install.download' }), ' ', h('code', { text: f.name }))),
        h('p', { class: 'hint', i18n: 'install.after' }));
      message('success', 'install.done', { n: (res.installed || []).length });
      document.getElementById('installed-download').focus();
    } catch (err) {
      showError(err, 'install.failed');
    }
  });
  return form;
}

/** expiredAt is when st expired: its expire event, else its deadline. */
function expiredAt(st) {
  const ev = (st.history || []).find((e) => e.action === 'expire');
  return ev ? ev.at : st.deadline;
}
