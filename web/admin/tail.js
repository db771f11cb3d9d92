// The live tail: a WebSocket with ?tail=true on any channel's topic (the
// gateway lets an admin read any scope), its frames listed newest first.

import { auth, authParams, signedIn, withQuery } from './api.js';
import { $, fillSelect, setStatus } from './dom.js';

const MAX_TAIL_FRAMES = 200;

let channels = [];  // [{name, address, params, rule}], from the catalogue
let tailSocket = null;

/** Offers the catalogue's channels and asks for the first one's parameters. */
export function showChannels(list) {
  channels = list;
  fillSelect($('tail-channel'), channels.map((c) => [c.name, `${c.name}  ${c.address}`]));
  tailChannelChanged();
}

function selectedChannel() {
  return channels.find((c) => c.name === $('tail-channel').value);
}

/** One input per parameter of the selected channel; a user for a personal one. */
export function tailChannelChanged() {
  const channel = selectedChannel();
  const params = $('tail-params');
  params.replaceChildren();
  if (!channel) return;
  for (const name of channel.params) {
    const label = document.createElement('label');
    label.textContent = `${name} `;
    const input = document.createElement('input');
    input.name = `tail-param-${name}`;
    input.dataset.param = name;
    input.autocomplete = 'off';
    label.append(input);
    params.append(label);
  }
  $('tail-user-label').hidden = channel.rule !== 'personal';
}

function tailUrl(channel) {
  let address = channel.address;
  for (const input of $('tail-params').querySelectorAll('input[data-param]')) {
    address = address.replace(`{${input.dataset.param}}`, encodeURIComponent(input.value.trim()));
  }
  const params = authParams(new URLSearchParams({ tail: 'true' }));
  const user = $('tail-user').value.trim();
  if (channel.rule === 'personal' && user) params.set('user', user);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${withQuery(address, params)}`;
}

function addFrame(text) {
  const item = document.createElement('li');
  const time = document.createElement('span');
  time.className = 'muted';
  time.textContent = new Date().toLocaleTimeString();
  const pre = document.createElement('pre');
  try {
    pre.textContent = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    pre.textContent = text;
  }
  item.append(time, pre);
  const list = $('tail-frames');
  list.prepend(item);
  while (list.children.length > MAX_TAIL_FRAMES) list.lastElementChild.remove();
}

export function stopTail() {
  if (tailSocket) {
    tailSocket.onclose = null;
    tailSocket.close(1000);
    tailSocket = null;
  }
  $('tail-stop').disabled = true;
}

/** The tail form's submit handler. */
export function startTail(submitEvent) {
  submitEvent.preventDefault();
  stopTail();
  const channel = selectedChannel();
  if (!channel) return;
  if (!signedIn()) {
    setStatus($('tail-status'), 'Sign in first.', true);
    return;
  }
  const url = tailUrl(channel);
  const shown = url.replace(/([?&]user_id=)[^&]*/, '$1…');
  // The token travels as a subprotocol ("bearer", token), never in the URL.
  const socket = auth.token ? new WebSocket(url, ['bearer', auth.token]) : new WebSocket(url);
  tailSocket = socket;
  $('tail-stop').disabled = false;
  setStatus($('tail-status'), `Connecting to ${shown} …`);
  socket.onopen = () => setStatus($('tail-status'), `Tailing ${channel.name}: ${new URL(url).pathname}`);
  socket.onmessage = (message) => {
    if (typeof message.data === 'string') addFrame(message.data);
  };
  socket.onclose = (close) => {
    if (tailSocket !== socket) return;
    tailSocket = null;
    $('tail-stop').disabled = true;
    // A refused upgrade shows as 1006 with no reason: browsers hide the HTTP answer.
    const why = close.code === 1006
        ? 'refused or lost (check the token, the admin role and the scope)'
        : `${close.code} ${close.reason}`;
    setStatus($('tail-status'), `Tail closed: ${why}`, close.code !== 1000);
  };
}
