import type { Db } from '@hotline/db';
import { generateTicket, step as s } from './helper';

const H = 'housing';
const U = 'urban-management';

/**
 * March 2026 (Beijing time) at a 12345 centre, every figure known by construction:
 *
 * - T1 housing: accepted on time (30 min), replied on time (3 days), resolved, 非常满意.
 * - T2 housing: accepted late (180 min), replied late, partly resolved, 满意.
 * - T3 housing, reopened (重办): cycle 1 on time, unresolved, 不满意 → reopened →
 *   cycle 2 on time, resolved, 基本满意. Counted once per cycle.
 * - T4 housing: on time; three unreached callbacks, closed unreachable (kept apart).
 * - T5: dispatched to housing, returned (退单), dispatched to urban-management, accepted.
 * - T6 urban-management: on time, resolved, 非常不满意.
 * - T7 answered directly, T8 transferred to 110, T9 merged into T1.
 * - Boundaries: received at 2026-03-01 00:00 and 2026-03-31 23:59:59.999 (in), at
 *   2026-02-28 23:59:59 and 2026-04-01 00:00 (out), Beijing time.
 *
 * Everything but T2's reply on 03-20 and the boundary tickets happens 03-02 … 03-12.
 */
export async function generateMarch(db: Db) {
  const t1 = await generateTicket(db, {
    at: '2026-03-02T09:00:00+08:00',
    department: H,
    district: 'A1区',
    category: '01.02.01',
    steps: [
      s.dispatched('2026-03-02 09:10', H, '2026-03-02 11:10', '2026-03-16 17:30'),
      s.accepted('2026-03-02 09:40', H, '2026-03-02 11:10'),
      s.replied('2026-03-05 09:10', H, '2026-03-16 17:30'),
      s.answer('2026-03-09 10:00', H, 'resolved', 'very_satisfied'),
      s.closed('2026-03-09 10:00', H),
    ],
  });
  await generateTicket(db, {
    at: '2026-03-03T09:50:00+08:00',
    department: H,
    district: 'A1区',
    category: '01.02.01',
    channel: 'web',
    steps: [
      s.dispatched('2026-03-03 10:00', H, '2026-03-03 12:00', '2026-03-17 17:30'),
      s.accepted('2026-03-03 13:00', H, '2026-03-03 12:00'),
      s.replied('2026-03-20 10:00', H, '2026-03-17 17:30'),
      s.answer('2026-03-23 10:00', H, 'partly', 'satisfied'),
      s.closed('2026-03-23 10:00', H),
    ],
  });
  await generateTicket(db, {
    at: '2026-03-04T09:00:00+08:00',
    department: H,
    district: 'A2区',
    category: '01.02.01',
    steps: [
      s.dispatched('2026-03-04 10:00', H, '2026-03-04 12:00', '2026-03-18 17:30'),
      s.accepted('2026-03-04 10:10', H, '2026-03-04 12:00'),
      s.replied('2026-03-06 10:00', H, '2026-03-18 17:30'),
      s.answer('2026-03-08 10:00', H, 'unresolved', 'dissatisfied', true),
      s.reopened('2026-03-08 10:00', H, 2),
      s.dispatched('2026-03-10 10:00', H, '2026-03-10 12:00', '2026-03-24 17:30'),
      s.accepted('2026-03-10 10:20', H, '2026-03-10 12:00'),
      s.replied('2026-03-12 10:00', H, '2026-03-24 17:30'),
      s.answer('2026-03-13 10:00', H, 'resolved', 'basically_satisfied'),
      s.closed('2026-03-13 10:00', H),
    ],
  });
  await generateTicket(db, {
    at: '2026-03-05T09:00:00+08:00',
    department: H,
    district: 'A2区',
    category: '01.02.01',
    steps: [
      s.dispatched('2026-03-05 10:00', H, '2026-03-05 12:00', '2026-03-19 17:30'),
      s.accepted('2026-03-05 11:00', H, '2026-03-05 12:00'),
      s.replied('2026-03-06 10:00', H, '2026-03-19 17:30'),
      s.unreached('2026-03-09 10:00', H),
      s.unreached('2026-03-10 10:00', H),
      s.unreached('2026-03-11 10:00', H),
      s.closed('2026-03-11 10:00', H, 'unreachable'),
    ],
  });
  await generateTicket(db, {
    at: '2026-03-06T09:00:00+08:00',
    department: U,
    district: 'A1区',
    category: '01.02.02',
    steps: [
      s.dispatched('2026-03-06 10:00', H, '2026-03-06 12:00', '2026-03-20 17:30'),
      s.returned('2026-03-06 10:30', H),
      s.dispatched('2026-03-06 11:00', U, '2026-03-06 13:00', '2026-03-20 17:30'),
      s.accepted('2026-03-06 11:30', U, '2026-03-06 13:00'),
    ],
  });
  await generateTicket(db, {
    at: '2026-03-07T09:00:00+08:00',
    department: U,
    district: 'A3区',
    category: '01.02.02',
    channel: 'wechat',
    steps: [
      s.dispatched('2026-03-07 10:00', U, '2026-03-07 12:00', '2026-03-21 17:30'),
      s.accepted('2026-03-07 10:05', U, '2026-03-07 12:00'),
      s.replied('2026-03-09 11:30', U, '2026-03-21 17:30'),
      s.answer('2026-03-10 10:00', U, 'resolved', 'very_dissatisfied'),
      s.closed('2026-03-10 10:00', U),
    ],
  });
  await generateTicket(db, { at: '2026-03-08T10:00:00+08:00', category: '05.01.01', steps: [s.answered('2026-03-08 10:05')] });
  await generateTicket(db, { at: '2026-03-08T11:00:00+08:00', category: null, steps: [s.transferred('2026-03-08 11:01')] });
  await generateTicket(db, { at: '2026-03-08T12:00:00+08:00', district: 'A1区', steps: [s.merged('2026-03-08 12:01', t1.id)] });
  // The edges of the month, in Beijing time (the UTC date differs for the first two).
  await generateTicket(db, { at: '2026-03-01T00:00:00+08:00', category: null });
  await generateTicket(db, { at: '2026-03-31T23:59:59.999+08:00', category: null });
  await generateTicket(db, { at: '2026-02-28T23:59:59+08:00', category: null });
  await generateTicket(db, { at: '2026-04-01T00:00:00+08:00', category: null });
}
