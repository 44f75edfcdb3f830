import { expect, test } from 'vitest'
import { distinctCounts } from '../../../collector/metrics/population'

test('distinct counts are the sizes of the lists as Sets, whether the numbers are dense or far apart', () => {
  for (const lists of [
    [[3, 4, 3, 5], [5, 5], [], [4, 6, 3, 6]],
    [[7, 1_000_000, 7, 4_000_000_000], [4_000_000_000], [], [2, 7, 2]],
  ])
    expect(distinctCounts(lists)).toEqual(lists.map((list) => new Set(list).size))
  expect(distinctCounts([])).toEqual([])
})
