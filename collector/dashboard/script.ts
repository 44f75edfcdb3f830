// dashboard.js, served as it is written here: plain browser JavaScript, no
// framework, no build step. String.raw keeps its backslashes as they are; the
// script itself uses no backticks and no template literals, so it needs no
// escaping inside this one.
export const script = String.raw`// The Northstar dashboard. It reads the metrics through the read API with the
// reader's read key (kept in sessionStorage, sent only in the Authorization
// header, never in a URL) and draws each panel with DOM methods. Never
// innerHTML: every text from the API (trait values, survey ids, account ids)
// becomes a text node, so none of it can be parsed as markup.
'use strict'

const STORE = 'northstar.readKey'
const MIN = 60000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

const $ = (id) => document.getElementById(id)
const state = { key: null, segments: [], range: null, generation: 0 }

// ---- Elements

/** An element with attributes and children; strings become text nodes. */
function h(tag, attributes, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes || {})) if (value != null && value !== false) el.setAttribute(name, value === true ? '' : String(value))
  el.append(...children.flat(Infinity).filter((c) => c != null && c !== false))
  return el
}

const empty = (text) => h('p', { class: 'empty' }, text)

/** A definition list of figures: [key, name, value, note?]; the key marks the figure for tests and styles. */
const figures = (items) =>
  h('dl', { class: 'figures' }, items.map(([key, name, value, note]) => h('div', { 'data-figure': key }, h('dt', null, name), h('dd', null, h('span', { class: 'value' }, value), note ? h('span', { class: 'note' }, note) : null))))

/** A bar whose length is a share (0..100). Set through CSSOM, which style-src 'self' allows (a style attribute it would block). */
function bar(share, tone, vertical) {
  const fill = h('span', { class: 'fill' + (tone ? ' ' + tone : '') })
  fill.style[vertical ? 'height' : 'width'] = Math.max(0, Math.min(100, share || 0)) + '%'
  return h('span', { class: vertical ? 'column' : 'track', 'aria-hidden': 'true' }, fill)
}

/** Horizontal bars as a table, so the numbers are read out with their labels: rows of { label, share, text, note?, tone? }. */
const bars = (caption, head, rows) =>
  h('table', { class: 'bars' },
    h('caption', null, caption),
    h('thead', null, h('tr', null, head.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', null, rows.map((row) => h('tr', null,
      h('th', { scope: 'row' }, row.label),
      h('td', null, bar(row.share, row.tone), h('span', { class: 'value' }, row.text), row.note ? h('span', { class: 'note' }, row.note) : null)))))

/** Counts per score as small columns: { "0": 1, "1": 0, ... }. */
function scores(caption, counts, toneOf) {
  const entries = Object.entries(counts).sort((a, b) => a[0] - b[0])
  const most = Math.max(1, ...entries.map(([, n]) => n))
  return scroll(caption, h('table', { class: 'columns' },
    h('caption', null, caption),
    h('thead', null, h('tr', null, h('th', { scope: 'row' }, 'Score'), entries.map(([score]) => h('th', { scope: 'col' }, score)))),
    h('tbody', null, h('tr', null, h('th', { scope: 'row' }, 'Answers'),
      entries.map(([score, n]) => h('td', null, bar((n / most) * 100, toneOf(Number(score)), true), h('span', { class: 'value' }, format.count(n))))))))
}

/** A table with a header row and a row header per row; a cell is text or { text, class }. */
const table = (caption, head, rows, className) =>
  scroll(caption, h('table', { class: className },
    h('caption', null, caption),
    h('thead', null, h('tr', null, head.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', null, rows.map((cells) => h('tr', null, cells.map((cell, i) => {
      const { text, class: c } = cell != null && typeof cell == 'object' ? cell : { text: cell }
      return h(i == 0 ? 'th' : 'td', { scope: i == 0 ? 'row' : null, class: c }, text)
    }))))))

/** Wide tables scroll on their own, not the page: a focusable region, so keyboards can scroll it too. */
const scroll = (label, content) => h('div', { class: 'scroll', role: 'region', tabindex: '0', 'aria-label': label }, content)

// ---- Numbers

const whole = new Intl.NumberFormat('en')
const decimals = [0, 1, 2].map((digits) => new Intl.NumberFormat('en', { maximumFractionDigits: digits }))
const format = {
  count: (n) => (n == null ? '–' : whole.format(n)),
  number: (n, digits = 1) => (n == null ? '–' : decimals[digits].format(n)),
  percent: (n) => (n == null ? '–' : n.toFixed(1) + '%'),
  /** "45 s", "12 min", "2 h 30 min", "4.0 d". */
  duration(ms) {
    if (ms == null) return '–'
    if (ms >= DAY) return (ms / DAY).toFixed(1) + ' d'
    const minutes = Math.round(ms / MIN)
    if (minutes >= 60) return Math.floor(minutes / 60) + ' h' + (minutes % 60 ? ' ' + (minutes % 60) + ' min' : '')
    if (minutes >= 1) return minutes + ' min'
    return ms >= 1000 || ms == 0 ? Math.round(ms / 1000) + ' s' : Math.round(ms) + ' ms'
  },
}
const share = (part, of) => (of ? (part / of) * 100 : 0)

// ---- Time windows, in the chosen zone

function validZone(tz) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** The parts of the local date and time at instant t in the zone, as numbers. */
function local(t, tz) {
  const parts = {}
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
  for (const p of f.formatToParts(t)) if (p.type != 'literal') parts[p.type] = Number(p.value)
  return parts
}

const offset = (t, tz) => {
  const p = local(t, tz)
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000
}

/** The instant a local date (YYYY-MM-DD) begins in the zone (as metrics/time.ts, less its walk around a DST jump at midnight itself). */
function midnight(date, tz) {
  const utc = Date.parse(date + 'T00:00:00Z')
  return utc - offset(utc - offset(utc, tz), tz)
}

const pad = (n) => String(n).padStart(2, '0')
const localDate = (t, tz) => {
  const p = local(t, tz)
  return p.year + '-' + pad(p.month) + '-' + pad(p.day)
}
const nextDate = (date) => new Date(Date.parse(date + 'T00:00:00Z') + DAY).toISOString().slice(0, 10)
const when = (t, tz) => new Intl.DateTimeFormat('en-GB', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' }).format(t)
const day = (date) => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'medium' }).format(Date.parse(date + 'T00:00:00Z'))

/** The window the filters describe, [from, to) in epoch ms, or the field at fault and why. */
function readWindow() {
  const tz = $('tz').value.trim()
  if (!validZone(tz)) return { field: 'tz', error: 'Unknown time zone "' + tz + '": pick one from the list, e.g. Europe/Berlin or UTC.' }
  const choice = $('window').value
  if (choice != 'custom') {
    const to = Date.now()
    return { tz, from: to - Number(choice) * DAY, to, label: 'the last ' + choice + ' days' }
  }
  const first = $('from').value
  const last = $('to').value
  if (!first || !last) return { field: first ? 'to' : 'from', error: 'Pick both days of the custom window.' }
  const from = midnight(first, tz)
  const to = midnight(nextDate(last), tz)
  if (from >= to) return { field: 'from', error: 'The first day must not be after the last day.' }
  return { tz, from, to, label: day(first) + ' to ' + day(last) }
}

// ---- The read API

function query(extra) {
  const params = new URLSearchParams({ from: String(state.range.from), to: String(state.range.to), tz: state.range.tz })
  for (const segment of state.segments) params.append('segment', segment)
  for (const [name, value] of Object.entries(extra || {})) params.set(name, value)
  return params.toString()
}

/** { res } when the API answered 2xx, else { status, error: { code, message } } from its JSON error or the failure. */
async function read(metric, extra) {
  let res
  try {
    res = await fetch('/v1/metrics/' + metric + '?' + query(extra), { headers: { Authorization: 'Bearer ' + state.key }, cache: 'no-store' })
  } catch (error) {
    return { status: 0, error: { code: 'network', message: 'The collector did not answer (' + error.message + '): is it running?' } }
  }
  if (res.ok) return { status: res.status, res }
  let error
  try {
    error = (await res.json()).error
  } catch {}
  return { status: res.status, error: error && error.message ? error : { code: 'http_' + res.status, message: 'The collector answered ' + res.status + ' ' + res.statusText + '.' } }
}

const refused = (answer) => answer.status == 401 || answer.status == 403

// ---- Panels

const PANELS = {
  ttv: { render: ttv },
  onboarding: { render: onboarding },
  satisfaction: { render: satisfaction },
  surveys: { render: surveys },
  features: { render: features },
  sessions: { render: sessions },
  retention: { render: retention },
  // the table shows the worst 20; the CSV has every subject
  health: { extra: { limit: '20' }, csv: { limit: '100000' }, render: health },
}

function ttv(d) {
  const a = d.timeToFirstAction
  const bands = [['excellent', 'Excellent (under 7 d)'], ['good', 'Good (7 to 14 d)'], ['needsImprovement', 'Needs improvement (14 to 30 d)'], ['critical', 'Critical (30 d or more)']]
  return [
    figures([
      ['median', 'Median', format.duration(d.median), 'of the activated'],
      ['p25', 'p25', format.duration(d.p25)],
      ['p75', 'p75', format.duration(d.p75)],
      ['p90', 'p90', format.duration(d.p90)],
      ['activationRate', 'Activation rate', format.percent(d.activationRate), format.count(d.activated) + ' of ' + format.count(d.cohort) + ' signups'],
      ['kaplanMeierMedian', 'Kaplan-Meier median', format.duration(d.kaplanMeierMedian), 'counting the not yet activated'],
    ]),
    bars('Activated people per band', ['Band', 'People'], bands.map(([key, label]) => ({ label, share: share(d.bands[key], d.activated), text: format.count(d.bands[key]), tone: key }))),
    h('h3', null, 'Time to first action'),
    figures([
      ['firstAction.median', 'Median', format.duration(a.median), 'target: under 5 min'],
      ['firstAction.p25', 'p25', format.duration(a.p25)],
      ['firstAction.p75', 'p75', format.duration(a.p75)],
      ['firstAction.p90', 'p90', format.duration(a.p90)],
      ['firstAction.withinTarget', 'Under 5 min', format.count(a.withinTarget), 'of ' + format.count(a.acted) + ' who acted'],
    ]),
  ]
}

function onboarding(d) {
  if (!d.steps.length) return empty('No onboarding steps: list them under onboarding.steps in northstar.config.json.')
  return [
    figures([
      ['cohort', 'Signups', format.count(d.cohort)],
      ['completionRate', 'Completion rate', format.percent(d.completionRate), 'did every step'],
      ['engagementScore', 'Engagement score', format.number(d.engagementScore), 'out of 100'],
      ['medianTimeToComplete', 'Median time to complete', format.duration(d.medianTimeToComplete)],
    ]),
    bars('Ordered funnel: the steps done in order', ['Step', 'People'], d.steps.map((s, k) => ({
      label: k + 1 + '. ' + s.name,
      share: share(s.funnel, d.cohort),
      text: format.count(s.funnel) + ' · ' + format.percent(s.conversionFromPrevious) + (k ? ' of the step before' : ' of signups'),
      note: k ? format.percent(s.conversionFromStart) + ' of step 1, median ' + format.duration(s.medianTimeFromPrevious) + ' after the step before' : null,
    }))),
    table('Completed per step, in any order', ['Step', 'Completed'], d.steps.map((s) => [s.name, format.count(s.completed)])),
  ]
}

const lowSample = (answers) => (answers.lowSample ? h('span', { class: 'badge' }, 'Low sample (under 30 answers)') : null)
const tone = (bad, good) => (score) => (score >= good ? 'good' : score > bad ? 'neutral' : 'bad')

function satisfaction(d) {
  const { nps, csat, ces } = d
  return [
    h('h3', null, 'NPS ', lowSample(nps)),
    figures([
      ['nps', 'NPS', format.number(nps.nps), NPS_BANDS[nps.band] || nps.band],
      ['nps.ci95', '95% interval', nps.ci95 ? format.number(nps.ci95.low) + ' to ' + format.number(nps.ci95.high) : '–'],
      ['nps.promoters', 'Promoters (9–10)', format.count(nps.promoters)],
      ['nps.passives', 'Passives (7–8)', format.count(nps.passives)],
      ['nps.detractors', 'Detractors (0–6)', format.count(nps.detractors)],
      ['nps.n', 'Answers', format.count(nps.n)],
    ]),
    scores('NPS answers per score', nps.counts, tone(6, 9)),
    h('h3', null, 'CSAT ', lowSample(csat)),
    figures([
      ['csat', 'CSAT', format.percent(csat.csat), 'scored 4 or 5'],
      ['csat.mean', 'Mean', format.number(csat.mean, 2), 'out of 5'],
      ['csat.n', 'Answers', format.count(csat.n)],
    ]),
    scores('CSAT answers per score', csat.counts, tone(2, 4)),
    h('h3', null, 'CES ', lowSample(ces)),
    figures([
      ['ces', 'CES', format.number(ces.ces, 2), 'mean, out of 7'],
      ['ces.easyRate', 'Easy rate', format.percent(ces.easyRate), 'scored 5 to 7'],
      ['ces.n', 'Answers', format.count(ces.n)],
    ]),
    scores('CES answers per score', ces.counts, tone(3, 5)),
  ]
}

function surveys(d) {
  if (!d.surveys.length) return empty('No survey is configured, shown or answered in this window.')
  return table('Per survey', ['Survey', 'Type', 'Shown', 'Dismissed', 'Responded', 'Response rate'],
    d.surveys.map((s) => [s.surveyId, s.type == null ? '–' : s.type.toUpperCase(), format.count(s.shown), format.count(s.dismissed), format.count(s.responded), format.percent(s.responseRate)]))
}

function features(d) {
  return [
    figures([
      ['active', 'Active people', format.count(d.active)],
      ['breadth', 'Breadth', format.percent(d.breadth), 'of the features, used per person on average'],
    ]),
    d.features.length
      ? bars('Adoption rate per feature', ['Feature', 'Adoption rate'], d.features.map((f) => ({ label: f.name, share: f.adoptionRate, text: format.percent(f.adoptionRate), note: format.count(f.users) + ' people' })))
      : empty('No features: list them under features in northstar.config.json.'),
  ]
}

function sessions(d) {
  return figures([
    ['sessions', 'Sessions', format.count(d.sessions)],
    ['avgSessionLength', 'Average length', format.duration(d.avgSessionLength)],
    ['sessionsPerUserPerWeek', 'Sessions per user per week', format.number(d.sessionsPerUserPerWeek)],
    ['engagedTime', 'Engaged time', format.duration(d.engagedTime), 'in total'],
    ['dau', 'DAU', format.number(d.dau), 'daily actives, mean'],
    ['wau', 'WAU', format.count(d.wau), 'last 7 days'],
    ['mau', 'MAU', format.count(d.mau), 'last 30 days'],
    ['stickiness', 'Stickiness', format.percent(d.stickiness), 'DAU / MAU'],
  ])
}

function retention(d) {
  if (!d.cohorts.length) return empty('No signups in this window.')
  const weeks = d.cohorts[0].retention.map((_, w) => 'Week ' + w)
  // weeks not begun yet are null: blank, not 0%
  const cell = (v) => (v == null ? { text: '', class: 'heat' } : { text: format.percent(v), class: 'heat h' + Math.round(v / 10) })
  return table('Active share per week after signup', ['Signup week', 'People', ...weeks], d.cohorts.map((c) => ['Week of ' + day(c.week), format.count(c.size), ...c.retention.map(cell)]), 'heatmap')
}

const BANDS = { healthy: 'Healthy (80 or more)', neutral: 'Neutral (60 to 80)', atRisk: 'At risk (40 to 60)', critical: 'Critical (under 40)' }
const NPS_BANDS = { worldClass: 'world-class', excellent: 'excellent', good: 'good', needsImprovement: 'needs improvement' }
const BAND_NAMES = { healthy: 'healthy', neutral: 'neutral', atRisk: 'at risk', critical: 'critical' }

/** Persons come as the collector's person id: "u:<userId>", or "a:<anonymousId>" for the never identified. */
const subjectName = (s) => (s.kind == 'person' && /^u:/.test(s.subject) ? s.subject.slice(2) : s.kind == 'person' && /^a:/.test(s.subject) ? s.subject.slice(2) + ' (anonymous)' : s.subject)

function health(d) {
  return [
    figures([['subjects', 'Scored', format.count(d.subjects), 'accounts, and people without one']]),
    bars('Per band', ['Band', 'Scored'], Object.entries(BANDS).map(([band, label]) => ({ label, share: share(d.bands[band], d.subjects), text: format.count(d.bands[band]), tone: band }))),
    d.worst.length
      ? table('The ' + d.worst.length + ' lowest scores', ['Account or person', 'Kind', 'Score', 'Band', 'Usage', 'Engagement', 'Support', 'Payments', 'Active days', 'Features used', 'People'],
          d.worst.map((s) => [subjectName(s), s.kind, format.number(s.score), { text: BAND_NAMES[s.band] || s.band, class: 'band ' + s.band },
            format.number(s.components.usage), format.number(s.components.engagement), format.number(s.components.support), format.number(s.components.payments),
            format.count(s.activeDays), format.count(s.featuresUsed), format.count(s.persons)]))
      : empty('No one to score yet.'),
  ]
}

// ---- Loading

function status(section, content, error) {
  const p = section.querySelector('.status')
  p.className = error ? 'status error' : 'status'
  p.replaceChildren(...[content].flat())
}

const problem = (section, error) =>
  status(section, [h('strong', null, error.code == 'not_configured' ? 'Not configured. ' : 'Could not load. '), error.message], true)

/** Asks every panel's metric at once and draws each as it comes; a refused key stops them all. */
function load() {
  const generation = ++state.generation
  $('panels').hidden = false
  for (const [id, panel] of Object.entries(PANELS)) {
    const section = $(id)
    section.setAttribute('aria-busy', 'true')
    status(section, 'Loading…')
    read(id, panel.extra).then(async (answer) => {
      if (generation != state.generation) return // newer filters took over
      if (refused(answer)) return refuse(answer.error.message)
      const body = section.querySelector('.body')
      if (answer.error) {
        body.replaceChildren()
        problem(section, answer.error)
      } else {
        try {
          const data = await answer.res.json()
          if (generation != state.generation) return
          body.replaceChildren(...[panel.render(data)].flat())
          status(section, '')
        } catch (error) {
          body.replaceChildren()
          problem(section, { code: 'render', message: 'This panel could not be drawn (' + error.message + ').' })
        }
      }
      section.setAttribute('aria-busy', 'false')
    })
  }
}

/** The key was refused: forget it, hide the figures and say why, at the key field. */
function refuse(message) {
  state.generation++ // the answers still coming are dropped
  forget()
  $('key-message').textContent = 'This key was refused: ' + message
  $('key').setAttribute('aria-invalid', 'true')
  $('key').focus()
}

function forget() {
  state.key = null
  try {
    sessionStorage.removeItem(STORE)
  } catch {}
  for (const id of ['filters', 'panels', 'forget']) $(id).hidden = true
  for (const id of Object.keys(PANELS)) $(id).querySelector('.body').replaceChildren() // no figures linger for the next reader
  $('summary').textContent = ''
}

function start(key) {
  state.key = key
  try {
    sessionStorage.setItem(STORE, key)
  } catch {} // storage blocked: the key lasts until the page closes
  $('key-message').textContent = ''
  $('key').removeAttribute('aria-invalid')
  for (const id of ['filters', 'forget']) $(id).hidden = false
  apply()
}

function apply() {
  for (const id of ['tz', 'from', 'to', 'segment']) $(id).removeAttribute('aria-invalid')
  const range = readWindow()
  if (range.error) {
    $('filter-message').textContent = range.error
    $(range.field).setAttribute('aria-invalid', 'true')
    return
  }
  $('filter-message').textContent = ''
  state.range = range
  const segments = state.segments.length ? ', only ' + state.segments.join(' and ') : ''
  $('summary').textContent = 'Figures for ' + range.label + ' (' + when(range.from, range.tz) + ' to ' + when(range.to, range.tz) + ', ' + range.tz + ')' + segments + '.'
  load()
}

function drawSegments() {
  $('segments').replaceChildren(...state.segments.map((s) => h('li', null, h('span', null, s), h('button', { type: 'button', 'data-segment': s, 'aria-label': 'Remove segment ' + s }, '×'))))
}

function addSegment() {
  const input = $('segment')
  const value = input.value.trim()
  if (value.indexOf(':') < 1) {
    $('filter-message').textContent = 'Write a segment as trait:value, e.g. plan:pro.'
    input.setAttribute('aria-invalid', 'true')
    return
  }
  if (!state.segments.includes(value)) state.segments.push(value)
  input.value = ''
  drawSegments()
  apply()
}

/** The panel's CSV, fetched with the key (a plain link could not send it) and handed over as a file. */
async function download(button) {
  const id = button.dataset.metric
  button.disabled = true
  const answer = await read(id, Object.assign({}, PANELS[id].csv, { format: 'csv' }))
  button.disabled = false
  if (refused(answer)) return refuse(answer.error.message)
  if (answer.error) return problem($(id), answer.error)
  const name = /filename="([^"]+)"/.exec(answer.res.headers.get('Content-Disposition') || '')
  const url = URL.createObjectURL(await answer.res.blob())
  const link = h('a', { href: url, download: name ? name[1] : 'northstar-' + id + '.csv', hidden: true })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60000)
}

// ---- Wiring (the script is deferred: the page is parsed)

function init() {
  $('tz').value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  const zones = typeof Intl.supportedValuesOf == 'function' ? Intl.supportedValuesOf('timeZone') : []
  $('zones').replaceChildren(...['UTC', ...zones.filter((z) => z != 'UTC')].map((z) => h('option', { value: z })))

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const key = $('key').value.trim()
    if (key) return start(key)
    $('key-message').textContent = 'Enter the read key first.'
    $('key').setAttribute('aria-invalid', 'true')
  })
  $('forget').addEventListener('click', () => {
    forget()
    $('key').value = ''
    $('key-message').textContent = 'The key is forgotten in this tab.'
    $('key').focus()
  })
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault()
    apply()
  })
  $('window').addEventListener('change', () => {
    const custom = $('window').value == 'custom'
    $('custom-from').hidden = $('custom-to').hidden = !custom
    if (!custom) return apply()
    const tz = validZone($('tz').value.trim()) ? $('tz').value.trim() : 'UTC'
    if (!$('to').value) $('to').value = localDate(Date.now(), tz)
    if (!$('from').value) $('from').value = localDate(Date.now() - 29 * DAY, tz)
    $('from').focus()
  })
  $('add-segment').addEventListener('click', addSegment)
  $('segment').addEventListener('keydown', (event) => {
    if (event.key != 'Enter') return
    event.preventDefault() // Enter adds the segment rather than submitting the filters
    addSegment()
  })
  $('segments').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-segment]')
    if (!button) return
    state.segments = state.segments.filter((s) => s != button.dataset.segment)
    drawSegments()
    $('segment').focus()
    apply()
  })
  $('panels').addEventListener('click', (event) => {
    const button = event.target.closest('button.csv')
    if (button) download(button)
  })

  let key = null
  try {
    key = sessionStorage.getItem(STORE)
  } catch {}
  if (key) {
    $('key').value = key
    start(key)
  }
}

init()
`
