// Rejected messages are kept with the reason, bounded per project, for the
// project's read key to inspect; metrics never read this table.
import type { Db } from './index'

export const QUARANTINE_LIMIT = 10_000

export async function quarantine(db: Db, projectId: string, receivedAt: number, items: { reason: string; payload: string }[], limit = QUARANTINE_LIMIT) {
  await db.kysely
    .insertInto('quarantine')
    .values(items.map((i) => ({ project_id: projectId, received_at: receivedAt, reason: i.reason, payload: i.payload })))
    .execute()
  // Keep the newest `limit`: a flood of bad messages must not fill the disk.
  const edge = await db.kysely
    .selectFrom('quarantine')
    .select('id')
    .where('project_id', '=', projectId)
    .orderBy('id', 'desc')
    .offset(limit)
    .limit(1)
    .executeTakeFirst()
  if (edge) await db.kysely.deleteFrom('quarantine').where('project_id', '=', projectId).where('id', '<=', edge.id).execute()
}

export function listQuarantine(db: Db, projectId: string, limit = 100) {
  return db.kysely
    .selectFrom('quarantine')
    .select(['id', 'received_at as receivedAt', 'reason', 'payload'])
    .where('project_id', '=', projectId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}
