// Translations of the portal: web/static/i18n/{kk,ru,en}.json, one flat object of
// keys to strings each (the three files have the same keys). The language chosen is
// remembered in localStorage and set as <html lang>.

export const LANGS = ['kk', 'ru', 'en'];
const STORE_KEY = 'nca.lang';

let current = 'kk';
let strings = {};

/** The language in use. */
export function lang() { return current; }

/** The language to start with: remembered, else the browser's, else Kazakh. */
export function initialLang() {
  let saved = null;
  try { saved = localStorage.getItem(STORE_KEY); } catch (_) { /* storage disabled */ }
  if (LANGS.includes(saved)) return saved;
  for (const l of navigator.languages || []) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (LANGS.includes(base)) return base;
  }
  return 'kk';
}

// requested counts setLang calls: a language whose file arrives after a later choice
// was made is dropped, so the last choice wins whatever order the files arrive in.
let requested = 0;

/**
 * Loads language l, remembers it and translates the static page. It resolves to
 * false, changing nothing, when another language was chosen while l was loading.
 */
export async function setLang(l) {
  if (!LANGS.includes(l)) l = 'kk';
  const ticket = ++requested;
  const resp = await fetch(`/static/i18n/${l}.json`, { credentials: 'same-origin' });
  if (!resp.ok) throw new Error(`language file ${l}: HTTP ${resp.status}`);
  const loaded = await resp.json();
  if (ticket !== requested) return false;
  strings = loaded;
  current = l;
  try { localStorage.setItem(STORE_KEY, l); } catch (_) { /* storage disabled */ }
  document.documentElement.lang = l;
  translate(document);
  return true;
}

/**
 * t returns the translation of key with {name} placeholders filled from params.
 * A missing key shows the key itself, so a gap is visible, never blank.
 */
export function t(key, params) {
  let s = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  }
  return s;
}

/** has reports whether key has a translation. */
export function has(key) { return Object.prototype.hasOwnProperty.call(strings, key); }

/** translate sets the text of [data-i18n] and the aria-label of [data-i18n-aria] under root. */
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    const p = el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : undefined;
    el.textContent = t(el.dataset.i18n, p);
  }
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  const title = document.querySelector('title');
  if (title) document.title = t('app.title');
}

/** Formats a date (ISO string or Date) in the chosen language and the authority's time zone. */
export function fmtDate(v, withTime) {
  if (!v) return '';
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  if (current === 'kk') {
    // Browsers often lack Kazakh month names: they are written out here, from the
    // date's parts in the authority's time zone.
    const months = ['қаңтар', 'ақпан', 'наурыз', 'сәуір', 'мамыр', 'маусым', 'шілде', 'тамыз', 'қыркүйек', 'қазан', 'қараша', 'желтоқсан'];
    const p = astanaParts(d);
    const day = `${p.year} ж. ${p.day} ${months[p.month - 1]}`;
    return withTime ? `${day}, ${p.hour}:${p.minute}` : day;
  }
  const loc = { ru: 'ru-RU', en: 'en-GB' }[current];
  const opts = withTime
    ? { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: TIME_ZONE }
    : { year: 'numeric', month: 'long', day: 'numeric', timeZone: TIME_ZONE };
  try { return d.toLocaleString(loc, opts); } catch (_) { return d.toISOString().slice(0, withTime ? 16 : 10); }
}

/**
 * TIME_ZONE is the authority's time zone: the portal shows dates and times in it,
 * as its PDFs and deadlines do, whatever the browser's zone.
 */
export const TIME_ZONE = 'Asia/Almaty';

// astanaParts returns the year, month (1–12), day, hour and minute ("09") of d in
// TIME_ZONE.
function astanaParts(d) {
  const p = {};
  try {
    for (const x of new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d)) p[x.type] = x.value;
    return { year: p.year, month: Number(p.month), day: Number(p.day), hour: p.hour, minute: p.minute };
  } catch (_) {
    const u = new Date(d.getTime() + 5 * 3600 * 1000); // UTC+5 without a zone database
    const p2 = (n) => String(n).padStart(2, '0');
    return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: u.getUTCDate(), hour: p2(u.getUTCHours()), minute: p2(u.getUTCMinutes()) };
  }
}
