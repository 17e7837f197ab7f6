// The portal's cryptography worker: runs the WebAssembly module nca.wasm (package
// webkeys compiled from Go, see docs/portal-crypto.md) off the page's thread, so the
// page stays responsive while keys are made. crypto.js starts it on first use.
//
// Messages in:  {id, method, args}          (method: a function of globalThis.ncaWasm)
// Messages out: {id, result} or {id, error, code} (error: an English sentence for the
//               user; code: its stable name, see docs/portal-crypto.md, or "")
// Uint8Arrays of a result are transferred, not copied.
'use strict';

importScripts('../wasm/wasm_exec.js');

const ready = (async () => {
  const go = new Go();
  const url = new URL('../wasm/nca.wasm', self.location.href);
  let source = null;
  if (WebAssembly.instantiateStreaming) {
    try {
      source = await WebAssembly.instantiateStreaming(fetch(url), go.importObject);
    } catch (e) {
      source = null; // e.g. served without application/wasm: load it as bytes below
    }
  }
  if (!source) {
    const resp = await fetch(url);
    if (!resp.ok) {
      throw new Error('the module answered HTTP ' + resp.status);
    }
    source = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
  }
  go.run(source.instance); // settles only if the program exits; its functions stay
  if (!self.ncaWasm) {
    throw new Error('the module did not start');
  }
  return self.ncaWasm;
})();

// buffers lists the distinct ArrayBuffers of the Uint8Arrays in v.
function buffers(v, seen) {
  if (v instanceof Uint8Array) {
    seen.add(v.buffer);
  } else if (Array.isArray(v)) {
    v.forEach((x) => buffers(x, seen));
  } else if (v && typeof v === 'object') {
    Object.values(v).forEach((x) => buffers(x, seen));
  }
  return seen;
}

self.onmessage = async (event) => {
  const { id, method, args } = event.data || {};
  let api;
  try {
    api = await ready;
  } catch (e) {
    self.postMessage({ id, code: 'module_unavailable', error: 'The cryptography module could not be loaded in this browser (' + (e && e.message ? e.message : e) + ').' });
    return;
  }
  if (method === 'load') {
    self.postMessage({ id, result: true });
    return;
  }
  const fn = api[method];
  if (typeof fn !== 'function') {
    self.postMessage({ id, code: '', error: 'Unknown cryptographic operation: ' + method + '.' });
    return;
  }
  let out;
  try {
    out = fn(args || {});
  } catch (e) {
    self.postMessage({ id, code: '', error: 'The cryptographic operation failed (' + (e && e.message ? e.message : e) + ').' });
    return;
  }
  if (out.error !== undefined) {
    self.postMessage({ id, error: out.error, code: out.code || '' });
    return;
  }
  self.postMessage({ id, result: out.ok }, [...buffers(out.ok, new Set())]);
};
