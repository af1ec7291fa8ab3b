// For tests and scripts that run the statistics in-process; services never import it.
export { buildStatsApp } from './app';
export { loadStatsConfig } from './config';
export { durationRows, factRows } from './facts';
export { roundMinutes } from './figures';
export { ListsRepository } from './lists';
export { periodOf } from './periods';
export { StatsReports } from './reports';
export { StatsRepository } from './stats-repository';
export { SummaryRefresher } from './summary';
