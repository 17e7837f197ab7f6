// The personal cabinet (SPEC §3 steps 5–7, docs/owner.md): sign in with the AUTH key
// file, see one's certificates and applications, revoke, renew and download. Every
// change is a request signed in the browser with the SIGN key file.

import { get, post, enc } from './api.js';
import { fmtDate } from './i18n.js';
import { h, field, select, clear, message, clearMessage, showError, busy, keyFiles, signDialog, downloadBytes, fromB64, focusHeading, put } from './ui.js';
import { current, signInBlock, handleAuthError } from './session.js';
import { crypto } from './keys.js';

export async function renderCabinet(app) {
  const rerender = () => { clear(app); renderCabinet(app).then(() => focusHeading(app)); };
  put(app, h('h1', { i18n: 'cabinet.title' }), h('p', { class: 'lead', i18n: 'cabinet.lead' }));
  signInBlock(app, 'signin.hint_cabinet', rerender);
  const s = current();
  if (!s) return;
  let cab;
  try {
    cab = await busy('progress.loading', () => get('/api/v1/owner/cabinet'));
  } catch (e) {
    if (!handleAuthError(e, rerender)) showError(e, 'cabinet.failed');
    return;
  }
  const work = h('div', { id: 'renewal', 'aria-live': 'polite' });
  put(app, work);
  put(app, certTable('cabinet-certificates', 'cabinet.certificates', cab.certificates || [], false, rerender, work));
  if (cab.employees && cab.employees.length) {
    put(app, certTable('cabinet-employees', 'cabinet.employees', cab.employees, true, rerender, work));
  }
  put(app, h('div', { class: 'table-wrap' }, h('table', { id: 'cabinet-applications' },
    h('caption', { i18n: 'cabinet.applications' }),
    h('thead', {}, h('tr', {}, ['result.number', 'result.template', 'result.state', 'status.created'].map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, (cab.applications || []).map((a) => h('tr', { dataset: { number: a.number, state: a.state } },
      h('td', {}, h('a', { href: `#/status/${a.number}`, class: 'mono', text: a.number })),
      h('td', { i18n: `tpl.${a.template}` }),
      h('td', { i18n: `state.${a.state}` }),
      h('td', { text: fmtDate(a.created_at) }))))),
    (cab.applications || []).length ? null : h('p', { class: 'hint', i18n: 'cabinet.no_applications' })));
  if ((cab.requests || []).length) {
    put(app, h('div', { class: 'table-wrap' }, h('table', { id: 'cabinet-requests' },
      h('caption', { i18n: 'cabinet.requests' }),
      h('thead', {}, h('tr', {}, ['status.when', 'cabinet.action', 'cabinet.object', 'cabinet.result'].map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, cab.requests.map((r) => h('tr', {},
        h('td', { text: fmtDate(r.at, true) }),
        h('td', { i18n: `request.${r.action}` }),
        h('td', { class: 'mono', text: r.object }),
        h('td', { text: r.result })))))));
  }
}

function certTable(id, captionKey, certs, employees, rerender, work) {
  const rows = certs.map((c) => {
    const good = c.status === 'good' && new Date(c.not_after).getTime() > Date.now();
    const actions = h('td', { class: 'row-actions' });
    const dl = h('button', { type: 'button', class: 'download secondary', i18n: 'cabinet.download', 'aria-describedby': `serial-${id}-${c.serial}` });
    dl.addEventListener('click', () => downloadBytes(`${c.serial}.cer`, fromB64(c.der), 'application/pkix-cert'));
    put(actions, dl);
    if (good) {
      const rv = h('button', { type: 'button', class: 'revoke danger', i18n: 'cabinet.revoke', 'aria-describedby': `serial-${id}-${c.serial}` });
      rv.addEventListener('click', () => revoke(c, employees, rerender));
      put(actions, ' ', rv);
      if (!employees && c.type === 'SIGN') {
        const rn = h('button', { type: 'button', class: 'renew', i18n: 'cabinet.renew', 'aria-describedby': `serial-${id}-${c.serial}` });
        rn.addEventListener('click', () => renew(c, work, rerender));
        put(actions, ' ', rn);
      }
    }
    return h('tr', { dataset: { serial: c.serial, status: c.status } },
      h('td', { class: 'mono', id: `serial-${id}-${c.serial}`, text: c.serial }),
      h('td', { i18n: `certtype.${c.type}` }),
      h('td', {}, h('span', { i18n: `tpl.${c.template}` }), employees ? h('div', { class: 'hint', text: c.subject }) : null),
      h('td', { text: `${fmtDate(c.not_before)} – ${fmtDate(c.not_after)}` }),
      h('td', {}, h('span', { class: `status-${c.status}`, i18n: `certstatus.${c.status}` }), c.revoked_at ? h('div', { class: 'hint', text: fmtDate(c.revoked_at, true) }) : null),
      actions);
  });
  return h('div', { class: 'table-wrap' },
    h('table', { id },
      h('caption', { i18n: captionKey }),
      h('thead', {}, h('tr', {}, ['cabinet.serial', 'cabinet.type', 'result.template', 'cabinet.validity', 'cabinet.status', 'cabinet.actions'].map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, rows)),
    certs.length ? null : h('p', { class: 'hint', i18n: 'cabinet.no_certificates' }));
}

async function revoke(c, employee, rerender) {
  clearMessage();
  const reasons = [{ value: 'owner_request', i18n: 'revoke.owner_request' }, { value: 'key_compromise', i18n: 'revoke.key_compromise' }];
  if (employee) reasons.push({ value: 'dismissal', i18n: 'revoke.dismissal' });
  const reason = select('revoke-reason', reasons);
  const extra = field({ id: 'revoke-reason', label: 'revoke.reason', control: reason });
  const res = await signDialog('sign.what_revoke', { serial: c.serial }, async ({ data, password }) => {
    const cr = await crypto();
    const body = await cr.signRevoke({ data, password, serial: c.serial, reason: reason.value });
    return post(`/api/v1/owner/certificates/${enc(c.serial)}/revoke`, body);
  }, extra);
  if (res) {
    rerender();
    message('success', 'cabinet.revoked', { serial: c.serial });
  }
}

async function renew(c, work, rerender) {
  clearMessage();
  clear(work);
  const alg = select('renew-alg', [
    { value: 'rsa2048', i18n: 'keys.alg.rsa2048' },
    { value: 'gost2015', i18n: 'keys.alg.gost2015' },
    { value: 'gost2004', i18n: 'keys.alg.gost2004' },
  ]);
  const revokeOld = h('input', { type: 'checkbox', id: 'renew-revoke-old' });
  const extra = h('div', {},
    field({ id: 'renew-alg', label: 'keys.alg', control: alg }),
    h('div', { class: 'check-row' }, revokeOld, h('label', { for: 'renew-revoke-old', i18n: 'renew.revoke_old' })),
    h('p', { class: 'hint', i18n: 'renew.same_password' }));
  const s = current();
  const parts = String(s.principal.name || '').split(/\s+/).filter(Boolean);
  let pw = null;
  const res = await signDialog('sign.what_renew', { serial: c.serial }, async ({ data, password }) => {
    const cr = await crypto();
    const r = await cr.renew({ data, password, serial: c.serial, alg: alg.value, revokeOld: revokeOld.checked,
      applicant: { iin: s.principal.iin, surname: parts[0] || '', name: parts[1] || '', patronymic: parts.slice(2).join(' ') } });
    pw = password;
    return r;
  }, extra);
  if (!res) return;
  // The new key files are saved before the renewal is sent, as on the application form.
  const downloads = h('div', { id: 'key-downloads' });
  const send = h('button', { type: 'button', id: 'renew-submit', class: 'primary', disabled: true, i18n: 'renew.submit' });
  put(work, h('section', { class: 'panel', 'aria-labelledby': 'renew-title' },
    h('h2', { id: 'renew-title', i18n: 'renew.title' }),
    h('p', { i18n: 'renew.save_first' }),
    downloads,
    h('p', { class: 'actions' }, send)));
  keyFiles(downloads, res.files, (all) => { send.disabled = !all; });
  downloads.querySelector('a.key-file').focus();
  send.addEventListener('click', async () => {
    clearMessage();
    try {
      const out = await busy('progress.submitting', () => post('/api/v1/owner/renewals', res.body), send);
      send.hidden = true;
      if (out.certificates && out.certificates.length) {
        const cr = await crypto();
        const files = [];
        for (const f of res.files) {
          try {
            const inst = await busy('progress.install', () => cr.install({ data: f.data, password: pw, certificates: out.certificates }));
            files.push({ name: f.name, data: inst.data });
          } catch (e) {
            files.push(f);
          }
        }
        pw = null;
        clear(work);
        const dl2 = h('div', { id: 'renewed-downloads' });
        put(work, h('section', { class: 'panel' },
          h('h2', { id: 'renewed-title', i18n: 'renew.issued' }),
          h('p', { i18n: 'renew.issued_text', i18nParams: { number: out.status.number } }),
          dl2,
          h('p', {}, h('button', { type: 'button', id: 'renew-done', class: 'secondary', i18n: 'renew.done', on: { click: rerender } }))));
        keyFiles(dl2, files, () => {});
        message('success', 'renew.issued_text', { number: out.status.number });
        dl2.querySelector('a.key-file').focus();
      } else {
        pw = null;
        message('success', 'renew.waiting', { number: out.status.number });
      }
    } catch (err) {
      if (!handleAuthError(err, rerender)) showError(err, 'renew.failed');
    }
  });
}
