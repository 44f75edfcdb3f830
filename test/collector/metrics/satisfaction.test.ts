import { afterAll, describe, expect, test } from 'vitest'
import { dialects, iso, stopPostgres } from '../harness'
import { answer, identify, jan, track, useMetrics } from './helpers'

afterAll(() => stopPostgres())

describe.each(dialects)('satisfaction on %s', (dialect) => {
  const t = useMetrics(dialect)
  const january = { from: iso(jan(1)), to: iso(jan(32)) }
  const nps = (scores: number[]) => scores.map((s, i) => answer({ user: `u${i}` }, jan(2), 'nps-main', 'nps', s))

  test('NPS with 50% promoters and 20% detractors is 30, with its Wald interval', async () => {
    await t.send(nps([9, 10, 9, 10, 9, 7, 8, 7, 0, 6]))
    const r = (await t.metric('satisfaction', january)).nps
    expect(r).toMatchObject({ n: 10, nps: 30, promoters: 5, passives: 3, detractors: 2, band: 'good', lowSample: true })
    const margin = 1.96 * 100 * Math.sqrt((0.5 + 0.2 - 0.09) / 10)
    expect(r.ci95.low).toBeCloseTo(30 - margin, 10)
    expect(r.ci95.high).toBeCloseTo(30 + margin, 10)
    expect(r.counts).toEqual({ 0: 1, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 1, 7: 2, 8: 1, 9: 3, 10: 2 })
  })

  test('an interval has zero width when all answers share a category, and bands follow the thresholds', async () => {
    await t.send(nps(Array(30).fill(10)))
    const r = (await t.metric('satisfaction', january)).nps
    expect(r).toMatchObject({ nps: 100, ci95: { low: 100, high: 100 }, band: 'worldClass', lowSample: false })
  })

  test('NPS bands: 70 is excellent, 50 excellent, 30 good, 29 needs improvement', async () => {
    const { npsBand } = await import('../../../collector/metrics/satisfaction')
    expect([71, 70, 50, 49.9, 30, 29.9, -100].map(npsBand)).toEqual(['worldClass', 'excellent', 'excellent', 'good', 'good', 'needsImprovement', 'needsImprovement'])
  })

  test('CSAT counts 4 and 5; CES is the mean with the share of 5 to 7', async () => {
    await t.send([
      ...[5, 4, 3, 2, 1].map((s, i) => answer({ user: `c${i}` }, jan(3), 'csat-support', 'csat', s)),
      ...[7, 5, 4, 1].map((s, i) => answer({ user: `e${i}` }, jan(3), 'ces-setup', 'ces', s)),
    ])
    const r = await t.metric('satisfaction', january)
    expect(r.csat).toEqual({ n: 5, csat: 40, mean: 3, counts: { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 }, lowSample: true })
    expect(r.ces).toEqual({ n: 4, ces: 4.25, easyRate: 50, counts: { 1: 1, 2: 0, 3: 0, 4: 1, 5: 1, 6: 0, 7: 1 }, lowSample: true })
  })

  test('of repeated answers the latest in the window counts, by event time then receipt', async () => {
    await t.send([
      answer({ user: 'r' }, jan(1) - 1, 'nps-main', 'nps', 0), // before the window
      answer({ user: 'r' }, jan(10), 'nps-main', 'nps', 9),
      answer({ user: 'r' }, jan(32), 'nps-main', 'nps', 3), // at `to`: outside
      answer({ user: 's' }, jan(5), 'nps-main', 'nps', 2),
    ])
    await t.send([answer({ user: 's' }, jan(5), 'nps-main', 'nps', 8)]) // same time, received later: wins
    const r = (await t.metric('satisfaction', january)).nps
    expect(r).toMatchObject({ n: 2, promoters: 1, passives: 1, detractors: 0, nps: 50 })
  })

  test('an anonymous answer and a later identified one of the same person count once', async () => {
    await t.send([answer({ anon: 'dev' }, jan(2), 'nps-main', 'nps', 3), identify({ anon: 'dev', user: 'ann' }, jan(3)), answer({ user: 'ann' }, jan(4), 'nps-main', 'nps', 10)])
    expect((await t.metric('satisfaction', january)).nps).toMatchObject({ n: 1, promoters: 1 })
  })

  test('one person answering two surveys of a type counts in both', async () => {
    await t.send([answer({ user: 'v' }, jan(2), 'nps-main', 'nps', 10), answer({ user: 'v' }, jan(2), 'nps-other', 'nps', 0)])
    expect((await t.metric('satisfaction', january)).nps).toMatchObject({ n: 2, nps: 0 })
  })

  test('an empty window answers nulls and zero counts', async () => {
    const r = await t.metric('satisfaction', january)
    expect(r.nps).toMatchObject({ n: 0, nps: null, ci95: null, band: null, promoters: 0, lowSample: true })
    expect(r.csat).toMatchObject({ n: 0, csat: null, mean: null })
    expect(r.ces).toMatchObject({ n: 0, ces: null, easyRate: null })
  })

  test('the survey funnel counts persons shown, dismissed and responding', async () => {
    await t.send([
      track({ user: 'a' }, jan(2), '$survey_shown', { surveyId: 'nps-main' }),
      answer({ user: 'a' }, jan(2), 'nps-main', 'nps', 9),
      track({ user: 'b' }, jan(2), '$survey_shown', { surveyId: 'nps-main' }),
      track({ user: 'b' }, jan(2), '$survey_dismissed', { surveyId: 'nps-main' }),
      track({ user: 'c' }, jan(2), '$survey_shown', { surveyId: 'nps-main' }),
      track({ user: 'c' }, jan(3), '$survey_shown', { surveyId: 'nps-main' }),
      track({ user: 'c' }, jan(40), '$survey_shown', { surveyId: 'csat-support' }),
    ])
    const r = await t.metric('surveys', january)
    expect(r.surveys).toEqual([
      { surveyId: 'nps-main', type: 'nps', shown: 3, dismissed: 1, responded: 1, responseRate: 100 / 3 },
      { surveyId: 'csat-support', type: 'csat', shown: 0, dismissed: 0, responded: 0, responseRate: null },
      { surveyId: 'ces-setup', type: 'ces', shown: 0, dismissed: 0, responded: 0, responseRate: null },
    ])
  })
})
