// Sign-in with the AUTH key file (docs/api.md "Sign-in"): the challenge is signed in
// the browser; the key file and its password never leave it. The bearer token lives
// in memory only: a reload or sign-out forgets it.

import { post, setToken, ApiError } from './api.js';
import { h, field, clearMessage, message, showError, busy, readFile, put } from './ui.js';
import { crypto } from './keys.js';

let session = null; // {token, principal, expiresAt}

/** current returns the session, or null when nobody is signed in (or it expired). */
export function current() {
  if (session && new Date(session.expiresAt).getTime() <= Date.now()) signOut();
  return session;
}

/** signOut forgets the token. */
export function signOut() {
  session = null;
  setToken(null);
}

/** hasRole reports whether the signed-in person holds role. */
export function hasRole(role) {
  const s = current();
  return !!(s && (s.principal.roles || []).includes(role));
}

/**
 * signInBlock renders into app the sign-in form (input#signin-file, #signin-password,
 * button#signin-submit) when nobody is signed in, or the signed-in person with
 * button#signout. onChange is called after signing in or out.
 */
export function signInBlock(app, hintKey, onChange) {
  const s = current();
  if (s) {
    const out = h('button', { type: 'button', id: 'signout', class: 'secondary', i18n: 'signin.signout' });
    out.addEventListener('click', () => { signOut(); message('info', 'signin.signed_out'); onChange(); });
    put(app, h('div', { class: 'who' },
      h('p', {}, h('span', { i18n: 'signin.as' }), ' ', h('strong', { text: s.principal.name || '' }), ' ', h('span', { class: 'mono', text: `(${s.principal.iin}${s.principal.bin ? ', ' + s.principal.bin : ''})` })),
      out));
    return;
  }
  const file = h('input', { type: 'file', id: 'signin-file', accept: '.p12,.pfx,application/x-pkcs12', required: true });
  const pw = h('input', { type: 'password', id: 'signin-password', autocomplete: 'current-password', required: true });
  const btn = h('button', { type: 'submit', id: 'signin-submit', class: 'primary', i18n: 'signin.submit' });
  const form = h('form', { id: 'signin-form', novalidate: true },
    h('fieldset', {}, h('legend', { i18n: 'signin.legend' }),
      h('p', { class: 'hint', i18n: hintKey }),
      field({ id: 'signin-file', label: 'signin.file', control: file, required: true, hint: 'signin.file_hint' }),
      field({ id: 'signin-password', label: 'signin.password', control: pw, required: true }),
      h('div', { class: 'actions' }, btn)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearMessage();
    if (!file.files || !file.files[0]) { message('error', 'sign.need_file'); file.focus(); return; }
    if (!pw.value) { message('error', 'sign.need_password'); pw.focus(); return; }
    try {
      await busy('progress.signin', async () => {
        const data = await readFile(file.files[0]);
        const c = await crypto();
        const ch = await post('/api/v1/auth/challenge', {});
        const sig = await c.signChallenge({ data, password: pw.value, challenge: ch.challenge });
        const tok = await post('/api/v1/auth/token', { challenge_id: ch.id, certificate: sig.certificate, signature: sig.signature });
        session = { token: tok.token, principal: tok.principal, expiresAt: tok.expires_at };
        setToken(tok.token);
      }, btn);
      pw.value = '';
      message('success', 'signin.done', { name: session.principal.name || session.principal.iin });
      onChange();
    } catch (err) {
      showError(err, 'signin.failed');
      pw.focus();
    }
  });
  put(app, form);
}

/** handleAuthError signs out on a 401 (expired token) and tells the user to sign in again. */
export function handleAuthError(err, rerender) {
  if (err instanceof ApiError && err.status === 401) {
    signOut();
    rerender();
    showError(err, 'signin.again');
    return true;
  }
  return false;
}
