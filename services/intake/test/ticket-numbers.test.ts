import { Cleanup, createTestDatabase } from '@hotline/testkit';
import t from 'tap';
import { TicketNumbers } from '../src/ticket-repository';

t.test('two intake replicas under a burst never hand out the same ticket number', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const replicas = [new TicketNumbers(database.db), new TicketNumbers(database.db)];
  const at = new Date('2026-11-23T10:00:00+08:00');
  const taken: string[] = [];
  // Waves of concurrent requests: each wave finds the block used up while others refill it.
  for (let wave = 0; wave < 20; wave++) {
    const burst = await Promise.all(replicas.flatMap((r) => Array.from({ length: 150 }, () => r.take(at))));
    taken.push(...burst);
  }
  t.equal(taken.length, 6000);
  const duplicates = taken.filter((n, i) => taken.indexOf(n) !== i);
  t.same(duplicates.slice(0, 5), [], 'every number once');
  t.ok(taken.every((n) => /^20261123-\d{6}$/.test(n)), 'numbers of the Beijing day');
  const [counter] = await database.sql<{ last: number }[]>`select last from ticket_number_counters where day = '20261123'`;
  const highest = Math.max(...taken.map((n) => Number(n.slice(9))));
  t.ok(highest <= (counter?.last ?? 0), `no number beyond the reserved blocks (${highest} ≤ ${counter?.last})`);
  // One reservation at a time per replica: a burst shares it instead of each request taking a block.
  t.ok((counter?.last ?? Infinity) <= 6000 + 2 * 2 * 100, `few numbers reserved and not used (${counter?.last} reserved for 6,000)`);
});
