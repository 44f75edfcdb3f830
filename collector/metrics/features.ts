// Feature adoption among the persons active in the window (METRICS.md).
import { activeCounts } from './activity'
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
  const counted = async (keys: string[]) => (await activeCounts(db, project, population, keys, [window]))[0]!
  const [active, ...users] = await Promise.all([counted(['']), ...query.project.features.map((f) => counted(keysOf('f', f)))])
  const count = query.project.features.length
  return {
    active: active!,
    features: query.project.features.map((f, i) => ({ id: f.id, name: f.name, users: users[i]!, adoptionRate: rate(users[i]!, active!) })),
    // the mean over active persons of (used / configured) x 100, summed in whole numbers (a user of a feature in the window is active in it)
    breadth: count ? rate(users.reduce((sum, u) => sum + u, 0), count * active!) : null,
  }
}
