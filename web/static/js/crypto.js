// ncaCrypto: the portal's subscriber cryptography, promise-based. Keys are made and
// used only here, in the browser, by the WebAssembly module nca.wasm (Go package
// webkeys) running in a Web Worker (crypto-worker.js), started on first use.
// docs/portal-crypto.md describes the methods, formats and errors.
//
//   import { ncaCrypto } from './crypto.js';
//   const { id, files, requests } = await ncaCrypto.generate({ alg: 'rsa2048', password, applicant });
//
// Every method takes one object and returns a Promise. Binary values are Uint8Array
// (arguments are copied, so they stay usable; results are transferred); values meant
// for the API's JSON are base64 strings. A failure rejects with an Error whose message
// is an English sentence for the user and whose code names it for translation
// ("wrong_password", "not_key_file", …, "module_unavailable"; "" when unnamed).

let worker = null;
let nextId = 1;
const pending = new Map();

function failure(message, code) {
  const err = new Error(message);
  err.code = code || '';
  return err;
}

function failAll(message) {
  for (const { reject } of pending.values()) {
    reject(failure(message, 'module_unavailable'));
  }
  pending.clear();
}

function start() {
  worker = new Worker(new URL('./crypto-worker.js', import.meta.url));
  worker.onmessage = (event) => {
    const { id, result, error, code } = event.data || {};
    const call = pending.get(id);
    if (!call) {
      return;
    }
    pending.delete(id);
    if (error !== undefined) {
      call.reject(failure(error, code));
    } else {
      call.resolve(result);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    worker.terminate();
    worker = null; // the next call starts a new worker
    failAll('The cryptography module could not be loaded in this browser.');
  };
}

function call(method, args) {
  if (!worker) {
    start();
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, method, args: args || {} });
  });
}

export const ncaCrypto = Object.freeze({
  /** Starts the worker and loads the module ahead of the first operation. */
  load: () => call('load'),
  /** {alg, password, applicant: {iin, surname, name, patronymic}} → {id, files: [{name, type, data}], requests: [{type, csr}]} */
  generate: (o) => call('generate', o),
  /** {data, password} → {keyAlgorithm, hasKey, certificates: [{serial, subject, issuer, type, notBefore, notAfter, iin, bin}]} */
  open: (o) => call('open', o),
  /** {data, password, certificates} → {data, installed: [serial]} */
  install: (o) => call('install', o),
  /** {data, password, challenge} → {certificate, signature} */
  signChallenge: (o) => call('signChallenge', o),
  /** {data, password, serial, reason} → SignedRequest {payload, signature, algorithm, certificate} */
  signRevoke: (o) => call('signRevoke', o),
  /** {data, password, application, confirm, reason} → SignedRequest */
  signHeadDecision: (o) => call('signHeadDecision', o),
  /** {data, password, serial, alg, applicant, revokeOld} → {id, files, body} */
  renew: (o) => call('renew', o),
  /** {iin} → {valid, message, birthDate, age, sex} */
  checkIIN: (o) => call('checkIIN', o),
});
