// The gateway's AsyncAPI catalogue (GET /api/schema), read into the two lists
// the page offers: channels (for the tail) and event types (for the console),
// with the catalogue's $refs resolved on demand.

import { errorOf } from './api.js';

let catalogue = null;

/**
 * Fetches the catalogue. Returns {channels: [{name, address, params, rule,
 * role, messages}], eventTypes: [{type, description, channel, payload}]},
 * event types sorted by name.
 */
export async function loadCatalogue() {
  const response = await fetch('/api/schema', { cache: 'no-store' });
  if (!response.ok) throw new Error(await errorOf(response));
  catalogue = await response.json();
  const channels = Object.entries(catalogue.channels || {}).map(([name, c]) => ({
    name,
    address: c.address,
    params: Object.keys(c.parameters || {}),
    rule: c['x-pubsub-access']?.rule || 'authenticated',
    role: c['x-pubsub-access']?.role || '',
    messages: Object.values(c.messages || {}).map((m) => resolve(m)),
  }));
  const eventTypes = [];
  for (const channel of channels) {
    for (const message of channel.messages) {
      eventTypes.push({ type: message.name, description: message.description || '', channel,
                        payload: resolve(message.payload) });
    }
  }
  eventTypes.sort((a, b) => a.type.localeCompare(b.type));
  return { channels, eventTypes };
}

// A schema with its $ref (inside the catalogue) followed; a bounded number of
// hops, so a reference cycle cannot hang the page.
export function resolve(schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 16; i++) {
    const path = s.$ref.replace(/^#\//, '').split('/');
    s = path.reduce((node, key) => node?.[key], catalogue);
  }
  return s || {};
}
