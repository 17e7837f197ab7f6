// The portal's entry: language, hash routes and the views.
//
// Routes (the DOM contract of docs/portal.md): #/ home, #/apply, #/apply/<template>,
// #/status, #/status/<number>, #/cabinet, #/head, #/desk, #/desk/<number>.

import { initialLang, setLang, translate } from './i18n.js';
import { clear, clearMessage, focusHeading, message, put } from './ui.js';
import { renderHome } from './home.js';
import { renderApply } from './apply.js';
import { renderStatus } from './status.js';
import { renderCabinet } from './cabinet.js';
import { renderHead } from './head.js';
import { renderDesk } from './desk.js';

const routes = {
  '': renderHome,
  apply: renderApply,
  status: renderStatus,
  cabinet: renderCabinet,
  head: renderHead,
  desk: renderDesk,
};

// keepOnLangChange lists views holding typed input: a language switch re-translates
// them in place instead of drawing them again.
const keepOnLangChange = new Set(['apply']);

let currentRoute = null;

function parseHash() {
  const raw = (location.hash || '#/').replace(/^#\/?/, '');
  let parts;
  try {
    parts = raw.split('/').filter(Boolean).map(decodeURIComponent);
  } catch (e) {
    // A malformed escape (e.g. "%E0") in a typed or pasted link: show the home page.
    parts = [];
  }
  return { name: parts[0] || '', args: parts.slice(1) };
}

async function route(keepMessage) {
  const { name, args } = parseHash();
  const view = routes[name] || renderHome;
  currentRoute = name;
  const app = document.getElementById('app');
  if (!keepMessage) clearMessage();
  for (const a of document.querySelectorAll('nav a[data-route]')) {
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Each route draws into its own container, so a slower earlier route that is still
  // loading draws into a detached element, never beside the current one.
  const box = document.createElement('div');
  put(clear(app), box);
  try {
    await view(box, args);
  } catch (e) {
    message('error', 'err.view', undefined, e && e.message);
  }
  if (box.isConnected) focusHeading(box);
}

// labelCells gives every table cell the text of its column header (data-label), so a
// narrow screen can show each row as a card of labelled values (portal.css).
function labelCells(root) {
  for (const table of root.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    for (const tr of table.querySelectorAll('tbody tr')) {
      [...tr.children].forEach((td, i) => { if (heads[i] && td.dataset.label !== heads[i]) td.dataset.label = heads[i]; });
    }
  }
}

async function start() {
  new MutationObserver(() => labelCells(document.getElementById('app')))
    .observe(document.getElementById('app'), { childList: true, subtree: true });
  // The selector shows the starting language and listens before that language has
  // loaded: a choice made while the page is still loading wins over the start.
  const sel = document.getElementById('lang');
  const l = initialLang();
  sel.value = l;
  sel.addEventListener('change', async () => {
    try {
      if (!(await setLang(sel.value))) return;
    } catch (e) {
      message('error', 'err.network');
      return;
    }
    if (!keepOnLangChange.has(currentRoute)) await route(true);
    else translate(document);
  });
  try {
    await setLang(l);
  } catch (e) {
    message('error', 'err.network');
  }
  // The skip link must not change the hash: the hash is the route, and "#main"
  // would leave the screen the user is on. It moves the focus instead.
  document.getElementById('skip-link').addEventListener('click', (ev) => {
    ev.preventDefault();
    document.getElementById('main').focus();
  });
  window.addEventListener('hashchange', () => route(false));
  await route(false);
}

start();
