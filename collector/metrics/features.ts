// Feature adoption among the persons active in the window (METRICS.md).
import { activeSets } from './activity'
import { keysOf } from './firsts'
import { segmentOf } from './population'
import type { Metric } from './query'
import { rate } from './stats'

export const features: Metric<{ active: number; features: { id: string; name: string; users: number; adoptionRate: number | null }[]; breadth: number | null }> = async (
  db,
  query,
) => {
  const project = query.project.id
  const population = await segmentOf(db, query)
  const window: [number, number] = [query.from, query.to]
  const [active] = await activeSets(db, project, population, [''], [window])
  const users = await Promise.all(query.project.features.map(async (f) => (await activeSets(db, project, population, keysOf('f', f), [window]))[0]!))
  const count = query.project.features.length
  return {
    active: active!.size,
    features: query.project.features.map((f, i) => ({ id: f.id, name: f.name, users: users[i]!.size, adoptionRate: rate(users[i]!.size, active!.size) })),
    // the mean over active persons of (used / configured) x 100, summed in whole numbers
    breadth: count ? rate(users.reduce((sum, u) => sum + u.size, 0), count * active!.size) : null,
  }
}
