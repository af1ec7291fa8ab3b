import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Service } from '@hotline/server';

const require = createRequire(import.meta.url);
const page = (name: string) => readFileSync(new URL(`../dashboard/${name}`, import.meta.url), 'utf8');

/**
 * The managers' page: public HTML and scripts; its data calls carry the API key that the
 * page takes from `?key=` or its key field. ECharts is served from node_modules: nothing
 * is fetched from outside at run time.
 */
export async function dashboardRoutes(app: Service): Promise<void> {
  const html = page('index.html');
  const script = page('dashboard.js');
  const echarts = readFileSync(require.resolve('echarts/dist/echarts.min.js'));

  app.get('/dashboard', { schema: { hide: true }, config: { servedFromMemory: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  app.get('/dashboard/dashboard.js', { schema: { hide: true }, config: { servedFromMemory: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script),
  );
  app.get('/dashboard/echarts.min.js', { schema: { hide: true }, config: { servedFromMemory: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(echarts),
  );
}
