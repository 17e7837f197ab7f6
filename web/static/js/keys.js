// Access to the browser crypto (crypto.js: the project's Go crypto compiled to
// WebAssembly, running in a Web Worker). It is loaded on first use, so pages that
// need no keys never download the WebAssembly module.

let loading = null;

/** crypto resolves to ncaCrypto (see crypto.js); it rejects with a plain sentence and code module_unavailable. */
export function crypto() {
  if (!loading) {
    loading = import('./crypto.js').then((m) => m.ncaCrypto).catch((e) => {
      loading = null;
      const err = new Error(`The key module could not be loaded (${e && e.message ? e.message : e}). Reload the page; use a current browser with WebAssembly.`);
      err.code = 'module_unavailable';
      throw err;
    });
  }
  return loading;
}
