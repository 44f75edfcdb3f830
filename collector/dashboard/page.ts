// The page's HTML: the key form, the filters and one empty section per panel,
// which dashboard.js fills. Nothing here comes from a request, so nothing needs
// escaping but the few constants below.
import type { Dialect } from '../db/index'

/** The panels, in reading order: id (also the metric's route name), title, what the figures mean in one line. */
export const PANELS = [
  ['ttv', 'Time to value', 'How long people who signed up in the window took to first reach the value event, from their signup.'],
  ['onboarding', 'Onboarding', 'How far people who signed up in the window got through the onboarding steps, in order and in any order.'],
  ['satisfaction', 'Satisfaction', 'Survey scores in the window, counting each person’s latest answer per survey.'],
  ['surveys', 'Survey funnel', 'How many people each survey was shown to, dismissed by and answered by in the window.'],
  ['features', 'Feature adoption', 'The share of people active in the window who used each feature in it.'],
  ['sessions', 'Sessions', 'How often and how long people came back: visits in the window and daily, weekly and monthly actives.'],
  ['retention', 'Retention', 'Of the people who signed up in a week, the share active in each of the following weeks.'],
  ['health', 'Health', 'A score per account (or per person without one) over the 30 days before the window ends: usage, engagement, support, payments.'],
] as const

const DIALECTS: Record<Dialect, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' }

const panel = ([id, title, explanation]: (typeof PANELS)[number]) => `
<section class="panel" id="${id}" aria-labelledby="${id}-title">
  <div class="panel-head">
    <h2 id="${id}-title">${title}</h2>
    <button type="button" class="csv" data-metric="${id}">Download CSV<span class="visually-hidden"> of ${title.toLowerCase()}</span></button>
  </div>
  <p class="explain">${explanation}</p>
  <p class="status"></p>
  <div class="body"></div>
</section>`

export const page = ({ dialect, projects }: { dialect: Dialect; projects: number }) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Northstar dashboard</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#panels">Skip to the figures</a>
<header class="top">
  <h1>Northstar</h1>
  <p>Time to value, onboarding, satisfaction and adoption, as METRICS.md defines them.</p>
</header>
<main>
<section id="access" aria-labelledby="access-title">
  <h2 id="access-title">Read key</h2>
  <form id="key-form" novalidate>
    <label for="key">The project’s read key (rk_…)</label>
    <div class="row">
      <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" aria-describedby="key-help key-message">
      <button type="submit">Show the figures</button>
      <button type="button" id="forget" hidden>Forget the key</button>
    </div>
    <p id="key-help" class="help">Kept in this tab only (sessionStorage) and sent in the Authorization header, never in a URL. It is the <code>readKey</code> of the project in northstar.config.json.</p>
    <p id="key-message" class="message" role="alert"></p>
  </form>
</section>

<form id="filters" hidden aria-labelledby="filters-title" novalidate>
  <h2 id="filters-title">Filters</h2>
  <div class="controls">
    <div class="control">
      <label for="window">Window</label>
      <select id="window" name="window">
        <option value="7">Last 7 days</option>
        <option value="30" selected>Last 30 days</option>
        <option value="90">Last 90 days</option>
        <option value="custom">Custom dates</option>
      </select>
    </div>
    <div class="control" id="custom-from" hidden>
      <label for="from">From (first day)</label>
      <input id="from" name="from" type="date">
    </div>
    <div class="control" id="custom-to" hidden>
      <label for="to">To (last day, included)</label>
      <input id="to" name="to" type="date">
    </div>
    <div class="control">
      <label for="tz">Time zone (days and weeks)</label>
      <input id="tz" name="tz" list="zones" autocomplete="off" spellcheck="false">
      <datalist id="zones"></datalist>
    </div>
    <div class="control">
      <label for="segment">Segment (trait:value)</label>
      <div class="row">
        <input id="segment" name="segment" placeholder="plan:pro" autocomplete="off" spellcheck="false" aria-describedby="segment-help">
        <button type="button" id="add-segment">Add</button>
      </div>
      <p id="segment-help" class="help">Person traits first, then account traits; several segments all apply.</p>
    </div>
  </div>
  <ul id="segments" class="chips" aria-label="Segments applied"></ul>
  <div class="row">
    <button type="submit">Apply</button>
    <p id="filter-message" class="message" role="alert"></p>
  </div>
</form>

<p id="summary" class="summary" aria-live="polite"></p>
<div id="panels" class="panels" hidden tabindex="-1">
${PANELS.map(panel).join('\n')}
</div>
</main>
<footer>Northstar collector on ${DIALECTS[dialect]}, serving ${projects} project${projects == 1 ? '' : 's'}. The read API is described at <a href="/openapi.json">/openapi.json</a>.</footer>
</body>
</html>
`
