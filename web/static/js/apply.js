// The online application (SPEC §2, §3 step 1): choose a template, fill the form with
// the IIN checked at once and the name filled from the state registry, generate the
// keys in the browser, save the key files, submit, and see the number, the deadline
// and what to bring.

import { get, post, enc, ApiError } from './api.js';
import { lang, fmtDate, t } from './i18n.js';
import { h, field, select, clear, message, clearMessage, showError, busy, keyFiles, toB64, fromB64, focusHeading, downloadBytes, put } from './ui.js';
import { checkIIN, validChecksum } from './checks.js';
import { crypto } from './keys.js';

let templatesCache = null;

/** templates loads the templates (fields, roles, keys, documents) once. */
export async function templates() {
  if (!templatesCache) templatesCache = get('/api/v1/templates?lang=en').then((r) => r.templates);
  try {
    return await templatesCache;
  } catch (e) {
    templatesCache = null;
    throw e;
  }
}

export async function renderApply(app, args) {
  let list;
  try {
    list = await busy('progress.loading', templates);
  } catch (e) {
    put(app, h('h1', { i18n: 'apply.title' }));
    showError(e);
    return;
  }
  if (args[0]) {
    const tpl = list.find((x) => x.id === args[0]);
    if (tpl) return renderForm(app, tpl);
    message('error', 'apply.unknown_template');
  }
  put(app, 
    h('h1', { i18n: 'apply.title' }),
    h('p', { class: 'lead', i18n: 'apply.choose' }),
    h('ul', { class: 'cards templates' }, list.map((tpl) => h('li', { class: 'card' },
      h('h2', {}, h('a', { id: `template-${tpl.id}`, href: `#/apply/${tpl.id}`, i18n: `tpl.${tpl.id}` })),
      h('p', { i18n: `tpl.${tpl.id}.desc` })))));
}

const fieldId = (name) => `f-${name.replace(/_/g, '-')}`;

// Input attributes per field: type, autocomplete, input mode, pattern.
const fieldAttrs = {
  iin: { inputmode: 'numeric', autocomplete: 'off', maxlength: '12', pattern: '\\d{12}' },
  bin: { inputmode: 'numeric', autocomplete: 'off', maxlength: '12', pattern: '\\d{12}' },
  surname: { autocomplete: 'family-name' },
  name: { autocomplete: 'given-name' },
  patronymic: { autocomplete: 'additional-name' },
  region: { autocomplete: 'address-level1' },
  city: { autocomplete: 'address-level2' },
  email: { type: 'email', autocomplete: 'email' },
  phone: { type: 'tel', autocomplete: 'tel' },
  organization: { autocomplete: 'organization' },
  domain: { autocomplete: 'off', spellcheck: 'false' },
  extra_domains: { autocomplete: 'off', spellcheck: 'false' },
  rnn: { inputmode: 'numeric', autocomplete: 'off' },
};

const regions = ['astana', 'almaty_city', 'shymkent', 'abai', 'akmola', 'aktobe', 'almaty', 'atyrau', 'east_kazakhstan', 'zhambyl', 'zhetisu', 'west_kazakhstan', 'karaganda', 'kostanay', 'kyzylorda', 'mangystau', 'pavlodar', 'north_kazakhstan', 'turkistan', 'ulytau'];

const eNotariatRoles = ['notary', 'ministry', 'territorial_justice', 'republican_chamber', 'territorial_chamber', 'moderator', 'administrator'];

function control(tpl, f) {
  const id = fieldId(f.name);
  const base = { id, name: f.name, required: f.required };
  if (f.name === 'role') {
    return select(id, [{ value: '', i18n: 'form.choose' }, ...tpl.roles.map((r) => ({ value: r, i18n: `role.${r}` }))], { required: f.required });
  }
  if (f.name === 'system_role' && tpl.id === 'enotariat') {
    return select(id, [{ value: '', i18n: 'form.choose' }, ...eNotariatRoles.map((r) => ({ value: r, i18n: `sysrole.${r}` }))], { required: f.required });
  }
  if (f.name === 'region') {
    // Free text with the regions offered (a datalist translated with the page).
    return [h('input', Object.assign(base, { type: 'text', list: 'regions' }, fieldAttrs.region)),
      h('datalist', { id: 'regions' }, regions.map((r) => h('option', { i18n: `region.${r}` })))];
  }
  return h('input', Object.assign(base, { type: 'text' }, fieldAttrs[f.name] || {}));
}

function renderForm(app, tpl) {
  const fields = tpl.fields;
  const orgNames = ['bin', 'organization', 'role'];
  const personNames = ['iin', 'surname', 'name', 'patronymic', 'region', 'city', 'email', 'phone'];
  const has = (n) => fields.some((f) => f.name === n);
  const fieldOf = (n) => fields.find((f) => f.name === n);
  const hints = { iin: 'form.iin_hint', bin: 'form.bin_hint', extra_domains: 'form.extra_domains_hint', phone: 'form.phone_hint', state_body_code: 'form.state_body_code_hint', system_role: tpl.id === 'treasury' ? 'form.treasury_role_hint' : null, residence_document: 'form.residence_document_hint', domain: 'form.domain_hint' };
  const mk = (f) => field({ id: fieldId(f.name), label: `field.${f.name}`, required: f.required, control: control(tpl, f), hint: hints[f.name] || null,
    after: f.name === 'iin' ? h('p', { id: 'iin-check', class: 'check', 'aria-live': 'polite', dataset: { valid: 'false' } }) : (f.name === 'bin' ? h('p', { id: 'bin-check', class: 'check', 'aria-live': 'polite' }) : null) });

  const form = h('form', { id: 'apply-form', novalidate: true, 'aria-labelledby': 'apply-title' });
  put(app, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/apply', i18n: 'apply.back' })),
    h('h1', { id: 'apply-title' }, h('span', { i18n: 'apply.form_title' }), ': ', h('span', { i18n: `tpl.${tpl.id}` })),
    h('p', { class: 'lead', i18n: 'apply.form_lead' }),
    form);

  if (tpl.fields.some((f) => orgNames.includes(f.name))) {
    put(form, h('fieldset', {}, h('legend', { i18n: 'form.organization' }), orgNames.filter(has).map((n) => mk(fieldOf(n)))));
  }
  put(form, h('fieldset', { class: 'grid' }, h('legend', { i18n: 'form.applicant' }),
    personNames.filter(has).map((n) => mk(fieldOf(n))),
    field({ id: 'f-lang', label: 'field.lang', hint: 'form.lang_hint', control: select('f-lang', [{ value: 'kk', text: 'Қазақша' }, { value: 'ru', text: 'Русский' }, { value: 'en', text: 'English' }], { value: lang() }) })));
  const rest = fields.filter((f) => !orgNames.includes(f.name) && !personNames.includes(f.name));
  if (rest.length) put(form, h('fieldset', {}, h('legend', { i18n: `form.extra.${tpl.id}` }), rest.map(mk)));
  document.getElementById('f-lang').value = lang();

  // Keys.
  const isSSL = tpl.keys.includes('SSL');
  const submit = h('button', { type: 'submit', id: 'submit-application', class: 'primary', disabled: !isSSL, i18n: 'apply.submit' });
  const submitHint = h('p', { class: 'hint', id: 'submit-hint', i18n: isSSL ? 'apply.submit_hint_ssl' : 'apply.submit_hint' });
  let generated = null; // {files, requests}
  let keysSaved = false;
  const keyBox = h('fieldset', { id: 'keys' }, h('legend', { i18n: 'keys.legend' }));
  if (isSSL) {
    put(keyBox, h('p', { i18n: 'keys.ssl_text' }),
      field({ id: 'f-csr', label: 'field.csr', required: true, hint: 'form.csr_hint', wide: true, control: h('textarea', { id: 'f-csr', name: 'csr', rows: '8', required: true, spellcheck: 'false', class: 'mono' }) }));
  } else {
    const legal = fields.some((f) => f.name === 'bin');
    const alg = select('key-alg', [
      { value: 'rsa2048', i18n: 'keys.alg.rsa2048' },
      { value: 'gost2015', i18n: 'keys.alg.gost2015' },
      { value: 'gost2004', i18n: 'keys.alg.gost2004' },
    ]);
    alg.value = legal ? 'gost2015' : 'rsa2048';
    const pw1 = h('input', { type: 'password', id: 'key-password', autocomplete: 'new-password', required: true, minlength: '6' });
    const pw2 = h('input', { type: 'password', id: 'key-password2', autocomplete: 'new-password', required: true, minlength: '6' });
    const gen = h('button', { type: 'button', id: 'generate-keys', i18n: 'keys.generate' });
    const downloads = h('div', { id: 'key-downloads', 'aria-live': 'polite' });
    put(keyBox, 
      h('p', { i18n: 'keys.text' }),
      h('p', { class: 'note', i18n: 'keys.storage' }),
      field({ id: 'key-alg', label: 'keys.alg', control: alg, hint: 'keys.alg_hint' }),
      field({ id: 'key-password', label: 'keys.password', required: true, control: pw1, hint: 'keys.password_hint' }),
      field({ id: 'key-password2', label: 'keys.password2', required: true, control: pw2 }),
      h('p', {}, gen),
      downloads);
    gen.addEventListener('click', async () => {
      clearMessage();
      const applicant = readApplicant(tpl);
      const iinOK = checkIIN(applicant.iin).valid;
      if (!iinOK || !applicant.surname || !applicant.name) {
        message('error', 'keys.need_identity');
        document.getElementById(iinOK ? (applicant.surname ? 'f-name' : 'f-surname') : 'f-iin').focus();
        return;
      }
      if (pw1.value.length < 6) { message('error', 'keys.password_short'); pw1.focus(); return; }
      if (pw1.value !== pw2.value) { message('error', 'keys.password_mismatch'); pw2.focus(); return; }
      try {
        const c = await busy('progress.keygen', crypto);
        const res = await busy('progress.keygen', () => c.generate({ alg: alg.value, password: pw1.value, applicant: { iin: applicant.iin, surname: applicant.surname, name: applicant.name, patronymic: applicant.patronymic || '' } }), gen, submit);
        generated = res;
        keysSaved = false;
        submit.disabled = true;
        keyFiles(downloads, res.files, (all) => {
          keysSaved = all;
          submit.disabled = !all;
          submitHint.dataset.i18n = all ? 'apply.submit_ready' : 'apply.submit_hint';
          submitHint.textContent = t(submitHint.dataset.i18n);
        });
        message('success', 'keys.generated', { n: res.files.length });
        const first = downloads.querySelector('a.key-file');
        if (first) first.focus();
      } catch (e) {
        showError(e, 'keys.failed');
      }
    });
  }
  put(form, keyBox);

  // Consents.
  const consent = (id, key) => h('div', { class: 'check-row' },
    h('input', { type: 'checkbox', id, name: id, required: true }),
    h('label', { for: id, i18n: key }));
  put(form, h('fieldset', {}, h('legend', { i18n: 'consent.legend' }),
    consent('consent-policy', 'consent.policy'),
    consent('consent-agreement', 'consent.agreement'),
    consent('consent-personal-data', 'consent.personal_data'),
    consent('consent-notifications', 'consent.notifications')));
  put(form, h('div', { class: 'actions' }, submit), submitHint);

  wireChecks(tpl);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearMessage();
    const applicant = readApplicant(tpl);
    const missing = [];
    for (const f of fields) {
      const v = applicant[f.name];
      if (f.required && (v === undefined || v === '' || (Array.isArray(v) && !v.length))) missing.push(f.name);
    }
    const iin = checkIIN(applicant.iin);
    if (applicant.iin && !iin.valid) { message('error', iin.reason); document.getElementById('f-iin').focus(); return; }
    if (applicant.bin && !validChecksum(applicant.bin)) { message('error', 'bin.checksum'); document.getElementById('f-bin').focus(); return; }
    if (missing.length) {
      message('error', 'apply.missing_fields', undefined, null, missing.map((n) => h('span', { i18n: `field.${n}` })));
      document.getElementById(fieldId(missing[0])).focus();
      return;
    }
    const consents = {
      policy: document.getElementById('consent-policy').checked,
      agreement: document.getElementById('consent-agreement').checked,
      personal_data: document.getElementById('consent-personal-data').checked,
      notifications: document.getElementById('consent-notifications').checked,
    };
    const firstUnchecked = ['consent-policy', 'consent-agreement', 'consent-personal-data', 'consent-notifications'].find((id) => !document.getElementById(id).checked);
    if (firstUnchecked) { message('error', 'consent.needed'); document.getElementById(firstUnchecked).focus(); return; }
    let requests;
    if (isSSL) {
      const csr = parseCSR(document.getElementById('f-csr').value);
      if (!csr) { message('error', 'apply.csr_bad'); document.getElementById('f-csr').focus(); return; }
      requests = [{ type: 'SSL', csr }];
    } else {
      if (!generated) { message('error', 'apply.need_keys'); document.getElementById('generate-keys').focus(); return; }
      if (!keysSaved) { message('error', 'apply.need_saved'); return; }
      requests = generated.requests.map((r) => ({ type: r.type, csr: typeof r.csr === 'string' ? r.csr : toB64(r.csr) }));
    }
    try {
      const res = await busy('progress.submitting', () => post('/api/v1/applications', { template: tpl.id, applicant, requests, consents }), submit);
      renderResult(app, tpl, res, applicant);
    } catch (err) {
      showError(err, 'apply.submit_failed');
    }
  });
}

/** readApplicant collects the form into a core.Applicant object. */
function readApplicant(tpl) {
  const a = {};
  for (const f of tpl.fields) {
    const el = document.getElementById(fieldId(f.name));
    if (!el) continue;
    let v = el.value.trim();
    if (f.name === 'extra_domains') {
      const list = v.split(/[\s,;]+/).filter(Boolean);
      if (list.length) a.extra_domains = list;
      continue;
    }
    if (['surname', 'name', 'patronymic'].includes(f.name)) v = v.toLocaleUpperCase();
    if (v) a[f.name] = v;
  }
  a.language = document.getElementById('f-lang').value;
  return a;
}

/** parseCSR accepts a PKCS#10 request in PEM or Base64 and returns its Base64 DER. */
function parseCSR(text) {
  const body = text.replace(/-----(BEGIN|END) (NEW )?CERTIFICATE REQUEST-----/g, '').replace(/\s+/g, '');
  if (!body || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return null;
  try {
    const der = fromB64(body);
    if (der.length < 64 || der[0] !== 0x30) return null;
    return toB64(der);
  } catch (_) {
    return null;
  }
}

/** wireChecks checks the IIN and BIN as they are typed and fills names from the registry. */
function wireChecks(tpl) {
  const iinEl = document.getElementById('f-iin');
  const out = document.getElementById('iin-check');
  const auto = new Map(); // field id -> value filled from the registry
  let seq = 0;
  const setCheck = (valid, key, params) => {
    out.dataset.valid = valid ? 'true' : 'false';
    out.dataset.i18n = key;
    out.dataset.i18nParams = JSON.stringify(params || {});
    out.textContent = t(key, params);
    const neutral = key === 'iin.empty' || key === 'iin.typing';
    out.classList.toggle('neutral', neutral);
    iinEl.setAttribute('aria-invalid', valid || neutral ? 'false' : 'true');
  };
  const onIIN = async () => {
    const v = iinEl.value.replace(/\D/g, '');
    if (v !== iinEl.value) iinEl.value = v;
    const my = ++seq;
    if (v.length < 12) { setCheck(false, v.length ? 'iin.typing' : 'iin.empty', { n: 12 - v.length }); return; }
    const c = checkIIN(v);
    if (!c.valid) { setCheck(false, c.reason); return; }
    if (c.age < 16) { setCheck(false, 'iin.under16', { age: c.age }); return; }
    setCheck(true, 'iin.valid_checking', { date: fmtDate(c.birthDate), age: c.age });
    try {
      const p = await get(`/api/v1/registry/persons/${enc(v)}`);
      if (my !== seq) return;
      if (p.deceased) { setCheck(false, 'iin.deceased'); return; }
      for (const [n, val] of [['surname', p.surname], ['name', p.name], ['patronymic', p.patronymic]]) {
        const el = document.getElementById(fieldId(n));
        if (!el) continue;
        if (!el.value || auto.get(el.id) === el.value) { el.value = val || ''; auto.set(el.id, el.value); }
      }
      setCheck(true, 'iin.found', { date: fmtDate(c.birthDate), age: c.age, name: [p.surname, p.name, p.patronymic].filter(Boolean).join(' ') });
    } catch (e) {
      if (my !== seq) return;
      if (e instanceof ApiError && e.status === 404) setCheck(false, 'iin.unknown');
      else if (e instanceof ApiError && e.status === 400) setCheck(false, 'iin.checksum');
      else setCheck(true, 'iin.valid_offline', { date: fmtDate(c.birthDate), age: c.age });
    }
  };
  iinEl.addEventListener('input', onIIN);
  setCheck(false, 'iin.empty');

  const binEl = document.getElementById('f-bin');
  if (!binEl) return;
  const binOut = document.getElementById('bin-check');
  const orgEl = document.getElementById('f-organization');
  let orgAuto = null;
  let bseq = 0;
  const setBin = (valid, key, params) => {
    binOut.dataset.valid = valid ? 'true' : 'false';
    binOut.textContent = t(key, params);
    binOut.dataset.i18n = key;
    binOut.dataset.i18nParams = JSON.stringify(params || {});
    const neutral = key === 'bin.empty' || key === 'iin.typing';
    binOut.classList.toggle('neutral', neutral);
    binEl.setAttribute('aria-invalid', valid || neutral ? 'false' : 'true');
  };
  binEl.addEventListener('input', async () => {
    const v = binEl.value.replace(/\D/g, '');
    if (v !== binEl.value) binEl.value = v;
    const my = ++bseq;
    if (v.length < 12) { setBin(false, v.length ? 'iin.typing' : 'bin.empty', { n: 12 - v.length }); return; }
    if (!validChecksum(v)) { setBin(false, 'bin.checksum'); return; }
    setBin(true, 'bin.valid');
    try {
      const o = await get(`/api/v1/registry/organizations/${enc(v)}`);
      if (my !== bseq) return;
      if (orgEl && (!orgEl.value || orgEl.value === orgAuto)) { orgEl.value = o.name; orgAuto = o.name; }
      setBin(true, 'bin.found', { name: o.name });
    } catch (e) {
      if (my !== bseq) return;
      if (e instanceof ApiError && e.status === 404) setBin(false, 'bin.unknown');
      else if (e instanceof ApiError && e.status === 400) setBin(false, 'bin.checksum');
    }
  });
}

/** renderResult shows the number, the deadline, what to bring, and the printable form. */
function renderResult(app, tpl, res, applicant) {
  clear(app);
  clearMessage();
  const pdfURL = `/api/v1/applications/${enc(res.number)}/form.pdf?token=${enc(res.form_token || '')}&lang=${enc(applicant.language || lang())}`;
  const pdf = h('a', { id: 'form-pdf', href: pdfURL, download: `application-${res.number}.pdf`, class: 'button', i18n: 'result.form_pdf' });
  pdf.addEventListener('click', async (e) => {
    e.preventDefault();
    try {
      const bytes = await busy('progress.pdf', async () => {
        const r = await fetch(pdfURL, { credentials: 'same-origin' });
        if (!r.ok) {
          let p = null;
          try { p = await r.json(); } catch (_) { /* not JSON */ }
          throw new ApiError(r.status, p);
        }
        return new Uint8Array(await r.arrayBuffer());
      }, pdf);
      downloadBytes(`application-${res.number}.pdf`, bytes, 'application/pdf');
    } catch (err) {
      showError(err, 'result.pdf_failed');
    }
  });
  const head = res.state === 'awaiting_head_confirmation';
  put(app, 
    h('h1', { i18n: 'result.title' }),
    h('p', { class: 'lead', i18n: 'result.lead' }),
    h('dl', { class: 'facts' },
      h('dt', { i18n: 'result.number' }), h('dd', {}, h('strong', { id: 'result-number', class: 'number', text: res.number })),
      h('dt', { i18n: 'result.template' }), h('dd', { i18n: `tpl.${tpl.id}` }),
      h('dt', { i18n: 'result.state' }), h('dd', { id: 'result-state', dataset: { state: res.state }, i18n: `state.${res.state}` }),
      h('dt', { i18n: 'result.deadline' }), h('dd', { id: 'result-deadline', dataset: { deadline: res.deadline }, text: fmtDate(res.deadline) })),
    h('section', { 'aria-labelledby': 'next-title' },
      h('h2', { id: 'next-title', i18n: 'result.next' }),
      h('ol', { class: 'next' },
        head ? h('li', { i18n: 'result.next_head' }) : null,
        h('li', { i18n: 'result.next_centre', i18nParams: { date: fmtDate(res.deadline) } }),
        h('li', { i18n: 'result.next_status' }),
        h('li', { i18n: 'result.next_install' }))),
    h('section', { 'aria-labelledby': 'docs-title' },
      h('h2', { id: 'docs-title', i18n: 'result.documents' }),
      h('ul', { id: 'result-documents' }, (res.documents || []).map((d) => h('li', { dataset: { doc: d.id } },
        h('span', { i18n: `doc.${d.id}` }), d.required ? null : h('span', { class: 'hint' }, ' (', h('span', { i18n: 'result.if_applicable' }), ')'))))),
    h('p', { class: 'actions' }, pdf, ' ', h('a', { href: `#/status/${res.number}`, class: 'button secondary', i18n: 'result.check_status' })),
    h('p', { class: 'note', i18n: 'result.keep_keys' }));
  message('success', 'result.submitted', { number: res.number });
  focusHeading(app);
}
