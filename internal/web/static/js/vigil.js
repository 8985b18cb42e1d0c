// Vigil page script (ES module). Load it with
//   <script type="module" src="/assets/js/vigil.<hash>.js"></script>
// There is no inline script anywhere: the site's CSP forbids it.
//
// The imports are relative on purpose. Assets are served under content-hashed
// names (/assets/js/govuk-frontend.min.<hash>.js) AND at their plain paths
// (/assets/js/govuk-frontend.min.js, short caching), so "./govuk-frontend.min.js"
// resolves whichever URL this module itself was loaded from.
import * as govuk from './govuk-frontend.min.js'
import * as moj from './moj-frontend.min.js'

// GOV.UK Frontend normally adds this class from an inline script in its page
// template; its CSS and its isSupported() check both depend on it. Modules
// only run in browsers that GOV.UK Frontend supports, so add it here, before
// initialising any component.
document.body.classList.add('govuk-frontend-supported')

govuk.initAll()
moj.initAll()

// Content swapped in by htmx needs its components initialised too. htmx fires
// htmx:load on every new element (and once on <body> at start-up, which the
// initAll() calls above already cover). initAll() searches *inside* the new
// element, so swap a wrapper around a component (hx-swap="innerHTML" of its
// container, or a wrapping element) rather than the component's own root.
document.addEventListener('htmx:load', (event) => {
  const scope = event.detail && event.detail.elt
  if (!(scope instanceof Element) || scope === document.body) {
    return
  }
  govuk.initAll({ scope })
  moj.initAll({ scope })
})
