/**
 * The call agent of the fault suite. Even with the classifier's threshold at 0 some
 * appeals go to triage (the text names a category the model has no labels for), and only
 * an agent moves them on: this one dispatches each triaged ticket by hand through the
 * dispatcher's API, to the category the model suggested (else the department it guessed,
 * else the catalogue's choice), and keeps trying through the faults.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';

interface Triaged {
  id: string;
  department_code: string | null;
  suggestion: string | null;
}

export class TriageAgent {
  readonly dispatched = new Set<string>();
  /** Last refusal per ticket, for the report when one stays in triage. */
  readonly refusals = new Map<string, string>();
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly sql: postgres.Sql;

  constructor(
    databaseUrl: string,
    private readonly dispatcherUrl: string,
    private readonly authorization: string,
  ) {
    this.sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const rows = await this.sql<Triaged[]>`
          select t.id, t.department_code, e.data->'suggestion'->>'category' as suggestion
          from tickets t join ticket_events e on e.ticket_id = t.id and e.seq = t.version - 1
          where t.status = 'triage'`;
        for (const row of rows) {
          if (!this.running) break;
          await this.dispatch(row);
        }
      } catch {
        // PostgreSQL restarting; next round
      }
      await sleep(1000);
    }
  }

  private async dispatch(row: Triaged): Promise<void> {
    const choices = [
      ...(row.suggestion ? [{ category: row.suggestion }] : []),
      ...(row.department_code ? [{ department: row.department_code }] : []),
      {},
    ];
    for (const body of choices) {
      try {
        const res = await fetch(`${this.dispatcherUrl}/v1/tickets/${row.id}/dispatch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: this.authorization },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (res.ok) {
          this.dispatched.add(row.id);
          this.refusals.delete(row.id);
          return;
        }
        // 5xx: the dispatcher or its database is away; the next round tries again.
        if (res.status >= 500 || res.status === 429) return;
        this.refusals.set(row.id, `${res.status} ${text.slice(0, 200)}`);
      } catch {
        return;
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.loop) return;
    this.running = false;
    await this.loop;
    this.loop = null;
    await this.sql.end({ timeout: 5 });
  }
}
