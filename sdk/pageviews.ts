// Page views of single-page apps: History API changes, popstate and hash
// routes. A replaceState that only rewrites the query or the state (filters,
// scroll restoration) is not a new page, so views are keyed by path.

const key = () => location.pathname + (location.hash.startsWith('#/') ? location.hash : '')

export function watchPageviews(onPage: () => void): () => void {
  let last = key()
  const changed = () => {
    if (key() != last) {
      last = key()
      onPage()
    }
  }
  const { pushState, replaceState } = history
  history.pushState = function (...args) {
    pushState.apply(this, args)
    changed()
  }
  history.replaceState = function (...args) {
    replaceState.apply(this, args)
    changed()
  }
  addEventListener('popstate', changed)
  addEventListener('hashchange', changed)
  return () => {
    history.pushState = pushState
    history.replaceState = replaceState
    removeEventListener('popstate', changed)
    removeEventListener('hashchange', changed)
  }
}
