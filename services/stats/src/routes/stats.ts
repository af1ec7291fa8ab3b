import {
  DepartmentStatsQuery,
  DepartmentStatsResult,
  ErrorBody,
  HotlineError,
  HotspotQuery,
  HotspotResult,
  OverdueQuery,
  OverdueResult,
  OverviewResult,
  StatsQuery,
  SummaryRebuildBody,
  SummaryRebuildResult,
  TrendQuery,
  TrendResult,
} from '@hotline/contracts';
import type { Service } from '@hotline/server';
import type { FastifyReply, FastifySchema } from 'fastify';
import type { z } from 'zod';
import { departmentsCsv, hotspotsCsv, overdueCsv, overviewCsv, trendCsv } from '../csv';
import type { ScoreSettings } from '../figures';
import type { ListsRepository } from '../lists';
import { periodOf, type Period } from '../periods';
import type { StatsReports } from '../reports';
import type { StatsFilters, StatsRepository } from '../stats-repository';
import type { SummaryRefresher } from '../summary';

const managers = ['manager', 'admin'] as const;
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

export interface StatsRouteOptions {
  repo: StatsRepository;
  reports: StatsReports;
  lists: ListsRepository;
  refresher: SummaryRefresher;
  settings: ScoreSettings;
  now: () => Date;
}

interface FilterQuery {
  from: string;
  to: string;
  department?: string;
  category?: string;
  district?: string;
  channel?: string;
}

function invalid(field: string, message: string): HotlineError {
  return new HotlineError('validation_failed', `invalid querystring.${field} (${message})`, { fields: [{ field: `querystring.${field}`, message }] });
}

function sendCsv(reply: FastifyReply, name: string, period: Period, body: string) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}-${period.from}-${period.to}.csv"`)
    .send(body);
}

/** GET /v1/stats/{overview,departments,trend,overdue,hotspots}, each also as .csv. */
export async function statsRoutes(app: Service, opts: StatsRouteOptions): Promise<void> {
  const { repo, reports, lists, refresher, settings, now } = opts;

  /** The period and filters of a query; an unknown department or category is a 400 naming it. */
  async function scope(q: FilterQuery): Promise<{ period: Period; filters: StatsFilters }> {
    if (q.department && !(await repo.departmentNames()).has(q.department)) throw invalid('department', `no department "${q.department}"`);
    if (q.category && !(await repo.categoryNames()).has(q.category)) throw invalid('category', `no category "${q.category}"`);
    return {
      period: periodOf(q.from, q.to),
      filters: { department: q.department, category: q.category, district: q.district, channel: q.channel },
    };
  }

  const weightsOf = (w: string | undefined) => (w ? (w.split(',').map(Number) as [number, number, number]) : settings.compositeWeights);

  /** The JSON route and its `.csv` twin: same query, same figures. */
  function table<Q extends z.ZodType<FilterQuery>, R>(
    name: string,
    summary: string,
    querystring: Q,
    response: z.ZodType<R>,
    compute: (query: z.infer<Q>, scoped: { period: Period; filters: StatsFilters }) => Promise<R>,
    csv: (result: R) => string,
  ): void {
    const run = async (query: unknown) => {
      const q = query as z.infer<Q>;
      const scoped = await scope(q);
      return { scoped, result: await compute(q, scoped) };
    };
    app.get(
      `/v1/stats/${name}`,
      // Typed loosely: the handler's result is checked by `response` at run time, and typed by `compute`.
      { config: { roles: managers }, schema: { summary, querystring, response: { 200: response, ...errors } } as FastifySchema },
      async (request) => (await run(request.query)).result,
    );
    app.get(
      `/v1/stats/${name}.csv`,
      { config: { roles: managers }, schema: { summary: `${summary} (CSV, UTF-8 with BOM)`, querystring, response: errors } },
      async (request, reply) => {
        const { scoped, result } = await run(request.query);
        return sendCsv(reply, name, scoped.period, csv(result));
      },
    );
  }

  table(
    'overview',
    'Volumes, 三率 and 按时办结率 with numerators and denominators, times to accept and reply, category/district/channel mix',
    StatsQuery,
    OverviewResult,
    (q, s) => reports.overview({ ...s, source: q.source }),
    overviewCsv,
  );
  table(
    'departments',
    'Department scorecards ranked by composite score (weights: 响应率,解决率,满意率)',
    DepartmentStatsQuery,
    DepartmentStatsResult,
    (q, s) => reports.departments({ ...s, source: q.source }, weightsOf(q.weights)),
    departmentsCsv,
  );
  table('trend', 'Volumes and rates by day, week or month', TrendQuery, TrendResult, (q, s) => reports.trend({ ...s, source: q.source }, q.granularity), trendCsv);
  table(
    'overdue',
    'Open tickets past their accept or reply deadline in the period, and the 督办 cases opened in it',
    OverdueQuery,
    OverdueResult,
    (q, s) => lists.overdue(s.period, s.filters, q.limit, now()),
    overdueCsv,
  );
  table(
    'hotspots',
    'Places and topics that rose most against the previous period, with example appeals',
    HotspotQuery,
    HotspotResult,
    async (q, s) => lists.hotspots(s.period, s.filters, q.limit, await repo.categoryNames()),
    hotspotsCsv,
  );

  app.post(
    '/v1/stats/summary',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Recount the summary rows of a period from the events',
        body: SummaryRebuildBody,
        response: { 200: SummaryRebuildResult, ...errors },
      },
    },
    async (request) => ({ days: await refresher.refresh(request.body.from, request.body.to) }),
  );
}
