import t from 'tap';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../src/index';

t.test('defaults need no configuration', async (t) => {
  const config = loadConfig({ PORT: z.coerce.number().int().default(3001) }, {});
  t.equal(config.PORT, 3001);
  t.equal(config.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/hotline');
  t.equal(config.OUTBOX_RELAY, true);
  t.ok(Object.isFrozen(config));
});

t.test('a bad value stops with a message naming the variable', async (t) => {
  const err = t.throws(() => loadConfig({ PORT: z.coerce.number().int() }, { PORT: 'eighty', DATABASE_URL: 'mysql://x' }));
  t.ok(err instanceof ConfigError);
  t.match((err as Error).message, /PORT/);
  t.match((err as Error).message, /DATABASE_URL/);
});
