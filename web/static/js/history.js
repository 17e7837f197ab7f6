// The history of an application as a table: each event said by its action in the
// page's language, with its numbers (receipt, serials) and documents as data. The
// status page shows roles (the API hides who acted); the desk also shows the IIN of
// the staff member or head who acted.

import { fmtDate } from './i18n.js';
import { h } from './ui.js';

const ACTIONS = ['submit', 'head_confirm', 'head_reject', 'accept', 'refuse_documents', 'approve', 'refuse', 'expire', 'renew'];

/**
 * actorOf returns the translated actor of ev: public roles ("applicant",
 * "registration centre", …) or the audit actors the desk sees ("staff:<IIN>",
 * "subscriber:<IIN>", "anonymous", "system"), the IIN kept as data.
 */
function actorOf(actor) {
  const [kind, iin] = String(actor || '').split(':');
  const key = { staff: 'actor.registration centre', subscriber: 'actor.organisation head', anonymous: 'actor.applicant', system: 'actor.system', owner: 'actor.owner' }[kind];
  if (!key) return h('span', { i18n: `actor.${actor}` });
  return h('span', {}, h('span', { i18n: key }), iin ? h('span', { class: 'mono' }, ' (', h('abbr', { i18n: 'hist.iin' }), ' ', iin, ')') : null);
}

/** factsOf lists the facts an event carries (api: wire.HistoryEvent). */
function factsOf(ev, desk) {
  const out = [];
  if (ev.receipt) out.push(h('div', {}, h('span', { i18n: ev.action === 'refuse_documents' ? 'hist.refusal_receipt' : 'hist.receipt' }), ' ', h('span', { class: 'mono', text: ev.receipt })));
  if ((ev.documents || []).length) {
    out.push(h('div', {}, h('span', { i18n: ev.action === 'refuse_documents' ? 'hist.documents_missing' : 'hist.documents_presented' })),
      h('ul', { class: 'compact' }, ev.documents.map((id) => h('li', { i18n: `doc.${id}` }))));
  }
  if (ev.renewal_of) out.push(h('div', {}, h('span', { i18n: 'hist.renewal_of' }), ' ', h('span', { class: 'mono', text: ev.renewal_of })));
  if ((ev.serials || []).length) {
    out.push(h('div', {}, h('span', { i18n: 'hist.serials' })),
      h('ul', { class: 'compact' }, ev.serials.map((s) => h('li', { class: 'mono', text: s }))));
  }
  if (ev.reason) out.push(h('div', { i18n: `refusal.${ev.reason}` }));
  if (ev.note) out.push(h('div', { text: ev.note }));
  // The desk may read the authority's own record when nothing above says it.
  if (desk && !out.length && ev.detail && !['submit', 'expire', 'head_confirm'].includes(ev.action)) {
    out.push(h('details', {}, h('summary', { i18n: 'msg.details' }), h('p', { lang: 'en', text: ev.detail })));
  }
  return out;
}

/** historyTable builds table#id of events (newest last, as the API lists them). */
export function historyTable(id, events, desk) {
  return h('div', { class: 'table-wrap' }, h('table', { id },
    h('caption', { i18n: 'status.history' }),
    h('thead', {}, h('tr', {}, ['status.when', 'status.event', 'status.who', 'status.detail'].map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, (events || []).map((ev) => h('tr', { dataset: { to: ev.to, action: ev.action } },
      h('td', { text: fmtDate(ev.at, true) }),
      h('td', {}, h('span', { i18n: ACTIONS.includes(ev.action) ? `event.${ev.action}` : `state.${ev.to}` })),
      h('td', {}, actorOf(ev.actor)),
      h('td', {}, factsOf(ev, desk)))))));
}
