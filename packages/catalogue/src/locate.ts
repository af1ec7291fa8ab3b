export interface Place {
  district: string | null;
  street: string | null;
}

// The anonymised districts of the data: A1区…A6区, A7县, A8县, A9市.
const DISTRICT = /A[1-9](?:区|县|市(?!民))/;
const STREET = /([\u4e00-\u9fa5]{2,6}?(?:街道|镇|乡))/;

/**
 * Where the ticket happened (属地): the location fields when the agent filled them, else
 * what the text says ("A市A3区西湖街道…").
 */
export function locateTicket(location: { district?: string | null; street?: string | null }, text: string): Place {
  const districtGiven = normaliseDistrict(location.district);
  const district = districtGiven ?? DISTRICT.exec(text)?.[0] ?? null;
  let street = location.street?.trim() || null;
  if (!street) {
    const after = district ? text.slice(text.indexOf(district) + district.length) : '';
    const match = STREET.exec(after.slice(0, 12));
    street = match?.[1] ?? null;
  }
  return { district, street };
}

/** Accepts "A3", "a3", "A3区", "A市A3区". */
function normaliseDistrict(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value.trim().toUpperCase();
  const exact = DISTRICT.exec(text);
  if (exact) return exact[0];
  const bare = /^A([1-9])$/.exec(text);
  if (!bare) return null;
  const n = Number(bare[1]);
  return `A${n}${n <= 6 ? '区' : n <= 8 ? '县' : '市'}`;
}

/** The code of the district government department for a district name (A3区 → a3). */
export function districtDepartment(district: string | null): string | null {
  const m = district ? /^A([1-9])/.exec(district) : null;
  return m ? `a${m[1]}` : null;
}
