const MOBILE = /^(?:\(\+86\)|\+86|0086|86)?(1[3-9]\d{9})$/;
// Area codes: 010 and 02X are three digits with 8-digit local numbers; the rest (03XX–09XX)
// are four digits with 7 or 8. Local numbers never start with 0 or 1 (trunk and service prefixes).
const LANDLINE =
  /^(?:\((0(?:10|2\d)|0[3-9]\d{2})\)|(0(?:10|2\d)|0[3-9]\d{2}))-?([2-9]\d{6,7})(?:(?:-|转|分机|ext\.?|x|#)(\d{1,6}))?$/i;
const CANONICAL_LANDLINE = /^(0\d{2,3})-(\d{7,8})/;

/**
 * Canonical form of a mainland mobile (13812345678) or landline (0731-12345678, with an
 * extension as 0731-12345678-123) number, or null when the input is neither. Full-width
 * digits and punctuation from Chinese input methods are accepted.
 */
export function normalizePhone(input: string): string | null {
  const text = input.normalize('NFKC').trim();
  const mobile = MOBILE.exec(text.replace(/[\s-]/g, ''));
  if (mobile) return mobile[1] ?? null;

  const landline = LANDLINE.exec(text.replace(/\s/g, ''));
  if (!landline) return null;
  const area = landline[1] ?? landline[2] ?? '';
  const number = landline[3] ?? '';
  const extension = landline[4];
  const localLength = area.length === 3 ? [8] : [7, 8];
  if (!localLength.includes(number.length)) return null;
  return extension ? `${area}-${number}-${extension}` : `${area}-${number}`;
}

/**
 * Display and log form: mobile 138****1234, landline 0731-****5678 (the extension is left
 * out). Anything that is not a phone number is hidden entirely rather than leaked.
 */
export function maskPhone(phone: string): string {
  const canonical = normalizePhone(phone);
  if (canonical === null) return '****';
  const landline = CANONICAL_LANDLINE.exec(canonical);
  if (!landline) return `${canonical.slice(0, 3)}****${canonical.slice(-4)}`;
  return `${landline[1]}-****${(landline[2] ?? '').slice(-4)}`;
}
