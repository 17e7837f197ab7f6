// The first head's confirmations (SPEC §3 step 2): the employees' applications
// awaiting confirmation, each confirmed or rejected by a request signed in the
// browser with the head's SIGN key.

import { get, post, enc } from './api.js';
import { fmtDate } from './i18n.js';
import { h, field, clear, message, clearMessage, showError, busy, signDialog, focusHeading, put } from './ui.js';
import { current, signInBlock, handleAuthError } from './session.js';
import { crypto } from './keys.js';

export async function renderHead(app) {
  const rerender = () => { clear(app); renderHead(app).then(() => focusHeading(app)); };
  put(app, h('h1', { i18n: 'head.title' }), h('p', { class: 'lead', i18n: 'head.lead' }));
  signInBlock(app, 'signin.hint_head', rerender);
  if (!current()) return;
  let list;
  try {
    list = await busy('progress.loading', () => get('/api/v1/head/applications'));
  } catch (e) {
    if (!handleAuthError(e, rerender)) showError(e, 'head.failed');
    return;
  }
  const apps = list.applications || [];
  const reason = h('textarea', { id: 'reject-reason', rows: '2', maxlength: '500' });
  put(app, field({ id: 'reject-reason', label: 'head.reject_reason', control: reason, hint: 'head.reject_reason_hint', wide: true }));
  const rows = apps.map((a) => {
    const ap = a.applicant || {};
    const confirm = h('button', { type: 'button', class: 'confirm primary', i18n: 'head.confirm', 'aria-describedby': `head-${a.number}` });
    const reject = h('button', { type: 'button', class: 'reject danger', i18n: 'head.reject', 'aria-describedby': `head-${a.number}` });
    confirm.addEventListener('click', () => decide(a, true, reason, rerender));
    reject.addEventListener('click', () => decide(a, false, reason, rerender));
    return h('tr', { dataset: { number: a.number } },
      h('td', { class: 'mono', id: `head-${a.number}`, text: a.number }),
      h('td', {}, h('div', { text: [ap.surname, ap.name, ap.patronymic].filter(Boolean).join(' ') }), h('div', { class: 'hint mono', text: ap.iin })),
      h('td', {}, ap.role ? h('span', { i18n: `role.${ap.role}` }) : null, h('div', { class: 'hint', i18n: `tpl.${a.template}` })),
      h('td', {}, h('div', { text: ap.organization || '' }), h('div', { class: 'hint mono', text: ap.bin || '' })),
      h('td', { text: fmtDate(a.created_at) }),
      h('td', { class: 'row-actions' }, confirm, ' ', reject));
  });
  put(app, h('div', { class: 'table-wrap' }, h('table', { id: 'head-list' },
    h('caption', { i18n: 'head.list' }),
    h('thead', {}, h('tr', {}, ['result.number', 'head.employee', 'head.role', 'head.organization', 'status.created', 'cabinet.actions'].map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, rows)),
    apps.length ? null : h('p', { class: 'hint', id: 'head-empty', i18n: 'head.empty' })));
}

async function decide(a, confirm, reasonEl, rerender) {
  clearMessage();
  const reason = reasonEl.value.trim().replace(/\s+/g, ' ');
  if (!confirm && !reason) {
    message('error', 'head.need_reason');
    reasonEl.focus();
    return;
  }
  const res = await signDialog(confirm ? 'sign.what_confirm' : 'sign.what_reject', { number: a.number }, async ({ data, password }) => {
    const c = await crypto();
    const body = await c.signHeadDecision({ data, password, application: a, confirm, reason: confirm ? '' : reason });
    return post(`/api/v1/head/applications/${enc(a.number)}/${confirm ? 'confirm' : 'reject'}`, body);
  });
  if (res) {
    rerender();
    message('success', confirm ? 'head.confirmed' : 'head.rejected', { number: a.number });
  }
}
