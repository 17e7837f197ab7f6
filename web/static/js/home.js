// The home page: what the portal does and where to start.

import { h, put } from './ui.js';

export async function renderHome(app) {
  const card = (href, title, text) => h('li', { class: 'card' },
    h('h2', {}, h('a', { href, i18n: title })),
    h('p', { i18n: text }));
  put(app, 
    h('h1', { i18n: 'home.title' }),
    h('p', { class: 'lead', i18n: 'home.lead' }),
    h('ul', { class: 'cards' },
      card('#/apply', 'home.apply', 'home.apply_text'),
      card('#/status', 'home.status', 'home.status_text'),
      card('#/cabinet', 'home.cabinet', 'home.cabinet_text'),
      card('#/head', 'home.head', 'home.head_text'),
      card('#/desk', 'home.desk', 'home.desk_text')),
    h('section', { class: 'steps', 'aria-labelledby': 'home-steps' },
      h('h2', { id: 'home-steps', i18n: 'home.steps' }),
      h('ol', {},
        h('li', { i18n: 'home.step1' }),
        h('li', { i18n: 'home.step2' }),
        h('li', { i18n: 'home.step3' }),
        h('li', { i18n: 'home.step4' }))),
    h('p', { class: 'note', i18n: 'home.keys_note' }));
}
