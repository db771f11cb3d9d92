// The admin page (docs/admin.md): live numbers from GET /api/admin/overview
// (overview.js), a publish console whose form is generated from the gateway's
// AsyncAPI catalogue (catalogue.js, schema-form.js) and publishes with
// POST /api/admin/publish (console.js), and a live tail of any channel
// (tail.js); who the page acts as, and its requests' auth: api.js.
//
// Plain ES modules from the page's own origin (the admin CSP is
// default-src 'self'), no dependencies, no build step. Text from the server
// or the schema is only ever set with textContent (never innerHTML).
//
// This module is the wiring: the sign-in form, the event listeners, start-up.

import { auth, forgetAuth, loadAuth, saveAuth, signedIn } from './api.js';
import { loadCatalogue } from './catalogue.js';
import { buildForm, publish, showEventTypes, updatePreview } from './console.js';
import { $, setStatus } from './dom.js';
import { startPolling, stopPolling } from './overview.js';
import { showChannels, startTail, stopTail, tailChannelChanged } from './tail.js';

function showAuth() {
  $('token').value = auth.token;
  $('dev-user').value = auth.user;
  $('dev-role').value = auth.role;
  if (auth.user) $('dev-auth').open = true;
}

function saveAuthForm() {
  saveAuth({
    token: $('token').value.trim(),
    user: $('dev-user').value.trim(),
    role: $('dev-role').value.trim(),
  });
}

function signIn(submitEvent) {
  submitEvent?.preventDefault();
  saveAuthForm();
  if (!signedIn()) {
    setStatus($('auth-status'), 'Give an admin token (or a development-auth user).', true);
    stopPolling();
    return;
  }
  setStatus($('auth-status'), 'Signing in …');
  startPolling();
}

function signOut() {
  forgetAuth();
  $('token').value = '';
  $('dev-user').value = '';
  $('dev-role').value = '';
  saveAuthForm();
  stopPolling();
  stopTail();
  setStatus($('auth-status'), 'Not signed in.');
}

$('auth').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', signOut);
$('event-type').addEventListener('change', buildForm);
$('to').addEventListener('input', updatePreview);
$('publish-form').addEventListener('submit', publish);
$('tail-channel').addEventListener('change', tailChannelChanged);
$('tail-form').addEventListener('submit', startTail);
$('tail-stop').addEventListener('click', () => {
  stopTail();
  setStatus($('tail-status'), 'Not tailing.');
});
$('tail-clear').addEventListener('click', () => $('tail-frames').replaceChildren());

loadAuth();
showAuth();
loadCatalogue().then(({ channels, eventTypes }) => {
  showEventTypes(eventTypes);
  showChannels(channels);
}).catch((error) => {
  $('publish-error').textContent = `Could not load the catalogue (/api/schema): ${error.message}`;
});
if (signedIn()) startPolling();
