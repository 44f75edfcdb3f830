// What a real app calls; each click stands for a moment in a customer's journey.
northstar.init({ writeKey: 'wk_example_write_key', host: 'http://localhost:8787', surveys: { quietDays: 0 } })
const on = (id, fn) => document.getElementById(id).addEventListener('click', fn)
on('login', () => northstar.identify('user-1', { plan: 'pro', createdAt: new Date().toISOString() }))
on('create', () => northstar.step('create_project'))
on('share', () => northstar.track('Report Shared', { reportId: 'r1' }))
on('export', () => {
  northstar.feature('export_csv')
  northstar.track('CSV Exported')
})
on('ces', () => northstar.showSurvey('ces-setup'))
on('logout', () => northstar.reset())
