// Offline checks of identification numbers (the same rules as package kzid): a
// 12-digit IIN or BIN with its check digit, and for an IIN the birth date and age.

/** checkDigit computes the check digit of 11 digits, or -1 when there is none. */
export function checkDigit(d) {
  let s = 0;
  for (let i = 0; i < 11; i++) s += d[i] * (i + 1);
  s %= 11;
  if (s !== 10) return s;
  const w = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
  s = 0;
  for (let i = 0; i < 11; i++) s += d[i] * w[i];
  s %= 11;
  return s === 10 ? -1 : s;
}

/** validChecksum reports whether s is 12 digits with a correct check digit. */
export function validChecksum(s) {
  if (!/^\d{12}$/.test(s)) return false;
  const d = [...s].map(Number);
  const k = checkDigit(d.slice(0, 11));
  return k >= 0 && k === d[11];
}

/**
 * checkIIN returns {valid, reason, birthDate, age}: reason is a translation key when
 * not valid ("iin.length", "iin.checksum", "iin.date").
 */
export function checkIIN(s, now) {
  s = String(s || '').trim();
  if (!/^\d{12}$/.test(s)) return { valid: false, reason: 'iin.length' };
  if (!validChecksum(s)) return { valid: false, reason: 'iin.checksum' };
  const c = Number(s[6]);
  const century = { 1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000 }[c];
  if (!century) return { valid: false, reason: 'iin.date' };
  const y = century + Number(s.slice(0, 2));
  const m = Number(s.slice(2, 4));
  const day = Number(s.slice(4, 6));
  const bd = new Date(Date.UTC(y, m - 1, day));
  if (bd.getUTCFullYear() !== y || bd.getUTCMonth() !== m - 1 || bd.getUTCDate() !== day) return { valid: false, reason: 'iin.date' };
  now = now || new Date();
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < day)) age--;
  return { valid: true, birthDate: bd.toISOString().slice(0, 10), age };
}
