// A security key that fails or is cancelled: allauth's webauthn.js only logs it; show the
// page's message ([data-webauthn-error]) instead.
document.addEventListener('allauth.error', function (event) {
  const note = document.querySelector('[data-webauthn-error]')
  if (note) {
    note.hidden = false
    event.preventDefault()
  }
})
