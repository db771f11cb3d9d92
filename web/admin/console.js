// The publish console: pick an event type from the catalogue, fill the form
// generated from its schema (schema-form.js), see the exact request, publish
// it with POST /api/admin/publish; the server's validation error is shown
// next to the field its path names.

import { authHeaders, authParams, errorOf, signedIn, withQuery } from './api.js';
import { $, fillSelect } from './dom.js';
import { buildFields } from './schema-form.js';

let eventTypes = [];  // [{type, description, channel, payload}], from the catalogue
let formRoot = null;  // the generated form's tree: {leaves, collect() -> {has, value}}

/** Offers the catalogue's event types and builds the form of the first. */
export function showEventTypes(types) {
  eventTypes = types;
  fillSelect($('event-type'), eventTypes.map((e) => [e.type, `${e.type}  (${e.channel.name})`]));
  buildForm();
}

function selectedEvent() {
  return eventTypes.find((e) => e.type === $('event-type').value);
}

/** (Re)builds the form for the selected event type. */
export function buildForm() {
  const event = selectedEvent();
  const fields = $('fields');
  fields.replaceChildren();
  clearPublishMessages();
  if (!event) return;
  $('event-description').textContent = event.description;
  // A scoped channel's parameter is a field of the event (its location says which).
  const scopeFields = new Set(event.channel.params);
  formRoot = buildFields(fields, event.payload, scopeFields, updatePreview);
  const personal = event.channel.rule === 'personal';
  $('to-hint').textContent = personal
      ? `${event.channel.name} is personal: give at least one user id; each receives it on their own topic.`
      : 'Optional: only these users receive it (empty: everybody on the topic).';
  updatePreview();
}

function eventBody() {
  const event = selectedEvent();
  const collected = formRoot ? formRoot.collect().value : {};
  return { type: event.type, ...collected };
}

function targets() {
  return $('to').value.split(',').map((u) => u.trim()).filter(Boolean);
}

/** Shows the request the form would send. */
export function updatePreview() {
  if (!selectedEvent()) return;
  const query = targets().map((u) => `to=${encodeURIComponent(u)}`).join('&');
  $('preview').textContent = `POST /api/admin/publish${query ? `?${query}` : ''}\n` +
                             JSON.stringify(eventBody(), null, 2);
}

function clearPublishMessages() {
  $('publish-result').textContent = '';
  $('publish-error').textContent = '';
  for (const node of formRoot?.leaves || []) {
    node.error.textContent = '';
    node.input.removeAttribute('aria-invalid');
  }
}

// Shows the server's error next to the field its path names ("data.id: ..."),
// and above the button in any case.
function showPublishError(message) {
  $('publish-error').textContent = message;
  const match = /^([A-Za-z0-9_.[\]]+): /.exec(message);
  if (!match) return;
  const path = match[1].replace(/\[\d+\]/g, '');
  let best = null;
  for (const node of formRoot?.leaves || []) {
    if (path === node.path || path.startsWith(`${node.path}.`)) best = node;
  }
  if (best) {
    best.error.textContent = message.slice(match[0].length);
    best.input.setAttribute('aria-invalid', 'true');
  }
}

/** The form's submit handler. */
export async function publish(submitEvent) {
  submitEvent.preventDefault();
  clearPublishMessages();
  if (!signedIn()) {
    $('publish-error').textContent = 'Sign in first (an admin token, or development auth).';
    return;
  }
  const params = authParams();
  for (const user of targets()) params.append('to', user);
  let response;
  try {
    response = await fetch(withQuery('/api/admin/publish', params), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...authHeaders() },
      body: JSON.stringify(eventBody()),
    });
  } catch (error) {
    $('publish-error').textContent = `The gateway did not answer: ${error.message}`;
    return;
  }
  if (response.ok) {
    const { id } = await response.json();
    $('publish-result').textContent = `Published ${selectedEvent().type}: id ${id}`;
  } else {
    showPublishError(await errorOf(response));
  }
}
