// The copy-paste snippet. It reads its settings from its own script tag, so its
// text never changes and CSPs that allow inline scripts by hash can list it:
//   <script data-write-key="wk_..." data-host="https://northstar.example.com">…</script>
// It defines a stub `northstar` that records calls until dist/northstar.js has
// loaded and replayed them in order. Built to dist/snippet.min.js and dist/snippet.sha256.
!(function (w, d) {
  if (w.northstar) return
  var c = d.currentScript.dataset
  var h = (c.host || '').replace(/\/$/, '')
  var n = (w.northstar = { q: [] })
  var s = d.createElement('script')
  'init track identify group page step feature flush reset optOut optIn showSurvey'.split(' ').forEach(function (m) {
    n[m] = function () {
      n.q.push([m, arguments])
    }
  })
  s.async = true
  s.src = h + '/northstar.js'
  d.head.appendChild(s)
  if (c.writeKey) n.init({ writeKey: c.writeKey, host: h })
})(window, document)
