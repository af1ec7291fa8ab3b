import postgres from 'postgres';
import type { LabelledRow } from './labelled-data';

export const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/hotline';

/**
 * The agents' corrections (POST /v1/tickets/:id/classification) as labelled raw-text rows:
 * title and content as a ticket arrives, labelled with the first-level category the agent
 * chose. `line` is 0: they come from the database, not from a file.
 */
export async function readCorrections(databaseUrl: string): Promise<LabelledRow[]> {
  const sql = postgres(databaseUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    const rows = await sql<{ title: string; content: string; corrected: string }[]>`
      select title, content, corrected from classification_corrections order by created_at, id`;
    return rows.map((r) => ({ line: 0, label: r.corrected, text: `${r.title}\n${r.content}`, kind: 'raw' as const }));
  } catch (err) {
    const where = databaseUrl.replace(/\/\/[^@/]*@/, '//…@');
    throw new Error(`cannot read the corrections from ${where} (set DATABASE_URL): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
