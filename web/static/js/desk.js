// The registration-centre desk (SPEC §3 step 3): the queue of applications awaiting
// identification, search by number or IIN, the application beside the state
// registry's data, the document checklist, acceptance with a printable receipt or a
// refusal receipt listing the missing documents, the decision, and revocation.

import { get, post, enc, bytes } from './api.js';
import { fmtDate, lang } from './i18n.js';
import { historyTable } from './history.js';
import { h, field, select, clear, message, clearMessage, showError, busy, focusHeading, downloadBytes, put } from './ui.js';
import { current, signInBlock, handleAuthError } from './session.js';

const allStates = ['awaiting_head_confirmation', 'awaiting_identification', 'accepted', 'issued', 'refused', 'rejected_by_head', 'expired'];
const revokeReasons = ['owner_request', 'owner_death', 'false_information', 'dismissal', 'key_compromise'];
const refuseReasons = ['under_16', 'false_information', 'court_decision'];

export async function renderDesk(app, args) {
  const rerender = () => { clear(app); renderDesk(app, args).then(() => focusHeading(app)); };
  put(app, h('h1', { i18n: args[0] ? 'desk.detail_title' : 'desk.title' }), h('p', { class: 'lead', i18n: 'desk.lead' }));
  signInBlock(app, 'signin.hint_desk', rerender);
  if (!current()) return;
  const area = h('div', { id: 'desk-area' });
  put(app, area);
  if (args[0]) await renderDetail(area, args[0], null, rerender);
  else await renderQueue(area, rerender);
  put(app, revokeBlock(rerender));
}

async function renderQueue(area, rerender, query) {
  const search = h('input', { id: 'desk-search', type: 'search', autocomplete: 'off', spellcheck: 'false', value: query || '' });
  const btn = h('button', { type: 'submit', id: 'desk-search-submit', class: 'primary', i18n: 'desk.search' });
  const form = h('form', { id: 'desk-search-form', role: 'search', novalidate: true },
    field({ id: 'desk-search', label: 'desk.search_label', control: search, hint: 'desk.search_hint' }),
    h('div', { class: 'actions' }, btn));
  put(area, form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clear(area);
    clearMessage();
    renderQueue(area, rerender, search.value.trim()).then(() => document.getElementById('desk-search').focus());
  });
  let path = '/api/v1/desk/applications?limit=200';
  const q = (query || '').replace(/\s+/g, '');
  if (/^\d{12}$/.test(q)) path += `&iin=${enc(q)}&state=${allStates.join(',')}`;
  else if (q) path += `&number=${enc(q)}&state=${allStates.join(',')}`;
  let list;
  try {
    list = await busy('progress.loading', () => get(path), btn);
  } catch (e) {
    if (!handleAuthError(e, rerender)) showError(e, 'desk.failed');
    return;
  }
  const apps = list.applications || [];
  const rows = apps.map((a) => {
    const ap = a.applicant || {};
    const tr = h('tr', { dataset: { number: a.number, state: a.state }, class: 'clickable' },
      h('td', {}, h('a', { href: `#/desk/${a.number}`, class: 'mono', text: a.number })),
      h('td', {}, h('div', { text: [ap.surname, ap.name, ap.patronymic].filter(Boolean).join(' ') }), h('div', { class: 'hint mono', text: ap.iin })),
      h('td', { i18n: `tpl.${a.template}` }),
      h('td', { i18n: `deskstate.${a.state}` }),
      h('td', { text: fmtDate(a.deadline) }));
    tr.addEventListener('click', (e) => { if (e.target.tagName !== 'A') location.hash = `#/desk/${a.number}`; });
    return tr;
  });
  put(area, h('div', { class: 'table-wrap' }, h('table', { id: 'desk-queue' },
    h('caption', { i18n: q ? 'desk.results' : 'desk.queue' }),
    h('thead', {}, h('tr', {}, ['result.number', 'head.employee', 'result.template', 'result.state', 'desk.deadline'].map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, rows)),
  apps.length ? null : h('p', { class: 'hint', id: 'desk-empty', i18n: q ? 'desk.nothing_found' : 'desk.queue_empty' })));
}

function row(label, value, mismatch) {
  return [h('dt', { i18n: label }), h('dd', { class: mismatch ? 'mismatch' : '' }, value || '—', mismatch ? h('span', { class: 'badge', i18n: 'desk.mismatch' }) : null)];
}

async function renderDetail(area, number, receipt, rerender) {
  let v;
  try {
    v = await busy('progress.loading', () => get(`/api/v1/desk/applications/${enc(number)}`));
  } catch (e) {
    if (!handleAuthError(e, rerender)) showError(e, 'desk.failed');
    put(area, h('p', {}, h('a', { href: '#/desk', i18n: 'desk.back' })));
    return;
  }
  const a = v.application;
  const ap = a.applicant || {};
  const reg = v.registry || {};
  // What differs from the registry, by field (api: registry.mismatch_fields).
  const fields = reg.mismatch_fields || [];
  const mm = (...k) => k.some((x) => fields.includes(x));
  const p = reg.person;
  const o = reg.organization;
  const redraw = (rc) => { clear(area); renderDetail(area, a.number, rc, rerender).then(() => focusHeading(area)); };

  put(area, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/desk', i18n: 'desk.back' })),
    h('h2', {}, h('span', { i18n: 'status.application' }), ' ', h('span', { class: 'mono', text: a.number })),
    h('p', {}, h('strong', { id: 'desk-state', dataset: { state: a.state }, i18n: `deskstate.${a.state}` }), ' · ', h('span', { i18n: `tpl.${a.template}` }), ' · ', h('span', { i18n: 'desk.age', i18nParams: { age: v.age } })));
  if ((reg.mismatches || []).length) {
    put(area, h('div', { class: 'warning', role: 'note' }, h('p', { i18n: 'desk.mismatches' }),
      h('ul', { id: 'desk-mismatches' }, fields.map((f) => h('li', { dataset: { field: f }, i18n: `mismatch.${f}` }))),
      h('details', {}, h('summary', { i18n: 'msg.details' }), h('ul', {}, reg.mismatches.map((m) => h('li', { lang: 'en', text: m }))))));
  }
  if (v.age < 16) put(area, h('div', { class: 'warning', role: 'note' }, h('p', { i18n: 'desk.under16' })));

  const appDl = h('dl', { class: 'facts' },
    row('field.iin', ap.iin, mm('iin', 'deceased')), row('field.surname', ap.surname, mm('surname')), row('field.name', ap.name, mm('name')),
    row('field.patronymic', ap.patronymic, mm('patronymic')),
    ap.bin ? row('field.bin', ap.bin, mm('bin')) : null, ap.organization ? row('field.organization', ap.organization, mm('organization')) : null,
    ap.role ? [h('dt', { i18n: 'field.role' }), h('dd', { class: mm('role', 'employee') ? 'mismatch' : '', i18n: `role.${ap.role}` })] : null,
    row('field.city', [ap.region, ap.city].filter(Boolean).join(', ')), row('field.email', ap.email), row('field.phone', ap.phone),
    ap.domain ? row('field.domain', [ap.domain, ...(ap.extra_domains || [])].join(', ')) : null,
    ap.state_body_code ? row('field.state_body_code', ap.state_body_code) : null, ap.rnn ? row('field.rnn', ap.rnn) : null,
    ap.system_role ? row('field.system_role', ap.system_role) : null, ap.residence_document ? row('field.residence_document', ap.residence_document) : null,
    a.state === 'awaiting_identification' || a.state === 'awaiting_head_confirmation' ? row('desk.deadline', fmtDate(a.deadline)) : null);
  const regDl = h('dl', { class: 'facts' },
    p ? [row('field.iin', p.iin), row('field.surname', p.surname), row('field.name', p.name), row('field.patronymic', p.patronymic), row('desk.birth_date', fmtDate(p.birth_date)),
      p.deceased ? [h('dt', { i18n: 'desk.deceased' }), h('dd', { class: 'mismatch', i18n: 'desk.yes' })] : null] : h('p', { i18n: 'desk.no_person' }),
    o ? [row('field.bin', o.bin), row('field.organization', o.name), row('desk.head_iin', o.head_iin), o.role ? [h('dt', { i18n: 'field.role' }), h('dd', { i18n: `role.${o.role}` })] : null] : null);
  put(area, h('div', { class: 'compare' },
    h('section', { id: 'desk-application', 'aria-labelledby': 'desk-app-title' }, h('h3', { id: 'desk-app-title', i18n: 'desk.application' }), appDl),
    h('section', { id: 'desk-registry', 'aria-labelledby': 'desk-reg-title' }, h('h3', { id: 'desk-reg-title', i18n: 'desk.registry' }), regDl)));

  const formPdf = h('a', { id: 'desk-form-pdf', class: 'button secondary', href: `/api/v1/desk/applications/${enc(a.number)}/form.pdf`, i18n: 'desk.form_pdf' });
  formPdf.addEventListener('click', (e) => { e.preventDefault(); pdfDownload(`/api/v1/desk/applications/${enc(a.number)}/form.pdf?lang=${lang()}`, `application-${a.number}.pdf`, formPdf); });
  put(area, h('p', {}, formPdf));

  // The document checklist and acceptance.
  if (a.state === 'awaiting_identification') {
    const docs = v.checklist || [];
    const rep = h('input', { id: 'representative', type: 'text', autocomplete: 'off' });
    const repPhone = h('input', { id: 'representative-phone', type: 'tel', autocomplete: 'off' });
    const accept = h('button', { type: 'button', id: 'desk-accept', class: 'primary', i18n: 'desk.accept' });
    const refuseDocs = h('button', { type: 'button', id: 'desk-refuse-documents', class: 'danger', i18n: 'desk.refuse_documents' });
    put(area, h('form', { id: 'desk-checklist', novalidate: true },
      h('fieldset', {}, h('legend', { i18n: 'desk.checklist' }),
        h('p', { class: 'hint', i18n: 'desk.checklist_hint' }),
        docs.map((d) => h('div', { class: 'check-row' },
          h('input', { type: 'checkbox', name: 'doc', value: d.id, id: `doc-${d.id}` }),
          h('label', { for: `doc-${d.id}` }, h('span', { i18n: `doc.${d.id}` }), d.required ? h('span', { class: 'req-tag' }, ' (', h('span', { i18n: 'desk.required' }), ')') : null)))),
      h('fieldset', {}, h('legend', { i18n: 'desk.representative_legend' }),
        field({ id: 'representative', label: 'desk.representative', control: rep, hint: 'desk.representative_hint' }),
        field({ id: 'representative-phone', label: 'desk.representative_phone', control: repPhone })),
      h('div', { class: 'actions' }, accept, ' ', refuseDocs)));
    const presentation = () => ({
      presented: [...document.querySelectorAll('#desk-checklist input[name=doc]:checked')].map((x) => x.value),
      representative: rep.value.trim() || undefined,
      representative_phone: repPhone.value.trim() || undefined,
    });
    const act = async (path, okKey) => {
      clearMessage();
      try {
        const rc = await busy('progress.submitting', () => post(`/api/v1/desk/applications/${enc(a.number)}/${path}`, presentation()), accept, refuseDocs);
        redraw(rc);
        message('success', okKey, { number: rc.receipt_number });
      } catch (e) {
        if (!handleAuthError(e, rerender)) showError(e, 'desk.action_failed');
      }
    };
    accept.addEventListener('click', () => act('accept', 'desk.accepted'));
    refuseDocs.addEventListener('click', () => act('refuse-documents', 'desk.refused_documents'));
  }
  if (receipt) put(area, receiptBlock(receipt));

  // The decision.
  if (a.state === 'accepted') {
    const approve = h('button', { type: 'button', id: 'desk-approve', class: 'primary', i18n: 'desk.approve' });
    const reason = select('desk-refuse-reason', refuseReasons.map((r) => ({ value: r, i18n: `refusal.${r}` })));
    const detail = h('textarea', { id: 'desk-refuse-detail', rows: '2', maxlength: '1000' });
    const refuse = h('button', { type: 'button', id: 'desk-refuse', class: 'danger', i18n: 'desk.refuse' });
    put(area, h('section', { class: 'panel', 'aria-labelledby': 'desk-decision-title' },
      h('h3', { id: 'desk-decision-title', i18n: 'desk.decision' }),
      h('p', { class: 'hint', i18n: 'desk.approve_hint' }),
      h('p', {}, approve),
      h('fieldset', {}, h('legend', { i18n: 'desk.refuse_legend' }),
        field({ id: 'desk-refuse-reason', label: 'desk.refuse_reason', control: reason }),
        field({ id: 'desk-refuse-detail', label: 'desk.refuse_detail', control: detail, wide: true }),
        h('p', {}, refuse))));
    approve.addEventListener('click', async () => {
      clearMessage();
      try {
        const res = await busy('progress.issuing', () => post(`/api/v1/desk/applications/${enc(a.number)}/approve`, {}), approve, refuse);
        redraw(null);
        if (res.status.state === 'issued') message('success', 'desk.issued', { n: (res.certificates || []).length });
        else message('error', ['desk.refused_at_decision', `refusal.${res.status.refusal_reason || 'false_information'}`], undefined, res.status.refusal_detail);
      } catch (e) {
        if (!handleAuthError(e, rerender)) showError(e, 'desk.action_failed');
      }
    });
    refuse.addEventListener('click', async () => {
      clearMessage();
      try {
        await busy('progress.submitting', () => post(`/api/v1/desk/applications/${enc(a.number)}/refuse`, { reason: reason.value, detail: detail.value.trim() || undefined }), approve, refuse);
        redraw(null);
        message('success', 'desk.refused');
      } catch (e) {
        if (!handleAuthError(e, rerender)) showError(e, 'desk.action_failed');
      }
    });
  }

  // Serials issued for the application fill the revocation form.
  if (a.state === 'issued') {
    try {
      const st = await get(`/api/v1/applications/${enc(a.number)}`);
      if ((st.certificates || []).length) {
        put(area, h('section', { class: 'panel', 'aria-labelledby': 'desk-issued-title' },
          h('h3', { id: 'desk-issued-title', i18n: 'desk.issued_certs' }),
          h('ul', { id: 'desk-serials' }, st.certificates.map((s) => h('li', {}, h('span', { class: 'mono', text: s }), ' ',
            h('button', { type: 'button', class: 'secondary use-serial', dataset: { serial: s }, i18n: 'desk.use_serial', on: { click: () => { const el = document.getElementById('desk-revoke-serial'); el.value = s; el.focus(); } } }))))));
      }
    } catch (_) { /* the list is a convenience */ }
  }

  put(area, historyTable('desk-history', v.history, true));
}

/** docItems lists documents by id in the page's language (English titles when ids are absent). */
function docItems(ids, titles) {
  if ((ids || []).length) return ids.map((id) => h('li', { dataset: { doc: id }, i18n: `doc.${id}` }));
  if (!(titles || []).length) return [h('li', { class: 'none', text: '—' })];
  return titles.map((d) => h('li', { text: d }));
}

/** receiptBlock shows a receipt and offers its PDF (a#receipt-pdf) fetched with the token. */
function receiptBlock(rc) {
  const link = h('a', { id: 'receipt-pdf', class: 'button', href: `/api/v1/desk/receipts/${enc(rc.receipt_number)}/pdf?lang=${lang()}`, download: `receipt-${rc.receipt_number}.pdf`, i18n: rc.refused ? 'desk.refusal_receipt_pdf' : 'desk.receipt_pdf' });
  link.addEventListener('click', (e) => {
    if (link.dataset.ready === 'true') return;
    e.preventDefault();
    pdfDownload(`/api/v1/desk/receipts/${enc(rc.receipt_number)}/pdf?lang=${lang()}`, `receipt-${rc.receipt_number}.pdf`, link);
  });
  return h('section', { id: 'desk-receipt', class: 'panel', 'aria-labelledby': 'desk-receipt-title', dataset: { refused: String(!!rc.refused) } },
    h('h3', { id: 'desk-receipt-title', i18n: rc.refused ? 'desk.refusal_receipt' : 'desk.receipt' }),
    h('dl', { class: 'facts' },
      row('desk.receipt_number', rc.receipt_number), row('status.when', fmtDate(rc.date, true)),
      h('dt', { i18n: 'desk.documents' }), h('dd', {}, h('ul', { id: 'receipt-documents' }, docItems(rc.document_ids, rc.documents))),
      rc.refused ? [h('dt', { i18n: 'status.missing' }), h('dd', {}, h('ul', { id: 'receipt-missing' }, docItems(rc.missing_ids, rc.missing)))] : null,
      rc.refused ? null : row('desk.result_date', fmtDate(rc.result_date, true)),
      rc.refused ? null : [h('dt', { i18n: 'desk.result_place' }), h('dd', { i18n: 'desk.result_place_online', i18nParams: { number: rc.application_number } })],
      [h('dt', { i18n: 'desk.operator' }), h('dd', {}, rc.operator_name || rc.operator || '—',
        rc.operator_iin ? h('span', { class: 'mono' }, ' (', h('abbr', { i18n: 'hist.iin' }), ' ', rc.operator_iin, ')') : null)],
      row('desk.applicant', `${rc.applicant || ''} ${rc.applicant_phone || ''}`)),
    h('p', {}, link));
}

async function pdfDownload(path, name, btn) {
  clearMessage();
  try {
    const b = await busy('progress.pdf', () => bytes(path), btn);
    downloadBytes(name, b, 'application/pdf');
  } catch (e) {
    showError(e, 'desk.pdf_failed');
  }
}

function revokeBlock(rerender) {
  const serial = h('input', { id: 'desk-revoke-serial', type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'mono' });
  const reason = select('desk-revoke-reason', revokeReasons.map((r) => ({ value: r, i18n: `revoke.${r}` })));
  const detail = h('input', { id: 'desk-revoke-detail', type: 'text', autocomplete: 'off' });
  const btn = h('button', { type: 'submit', id: 'desk-revoke', class: 'danger', i18n: 'desk.revoke' });
  const form = h('form', { id: 'desk-revoke-form', class: 'panel', novalidate: true },
    h('fieldset', {}, h('legend', { i18n: 'desk.revoke_legend' }),
      h('p', { class: 'hint', i18n: 'desk.revoke_hint' }),
      field({ id: 'desk-revoke-serial', label: 'cabinet.serial', control: serial, required: true }),
      field({ id: 'desk-revoke-reason', label: 'revoke.reason', control: reason }),
      field({ id: 'desk-revoke-detail', label: 'desk.revoke_detail', control: detail }),
      h('div', { class: 'actions' }, btn)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearMessage();
    const s = serial.value.trim().toLowerCase().replace(/[\s:]/g, '');
    if (!/^[0-9a-f]+$/.test(s)) { message('error', 'desk.serial_bad'); serial.focus(); return; }
    try {
      const res = await busy('progress.submitting', () => post(`/api/v1/desk/certificates/${enc(s)}/revoke`, { reason: reason.value, detail: detail.value.trim() || undefined }), btn);
      message('success', 'desk.revoked', { serial: res.certificate.serial });
      serial.value = '';
      detail.value = '';
    } catch (err) {
      if (!handleAuthError(err, rerender)) showError(err, 'desk.revoke_failed');
    }
  });
  return form;
}
