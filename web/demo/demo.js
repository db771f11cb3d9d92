// The demo page: subscribes to the sample schema's channels with the browser
// client and shows every event's JSON exactly as it arrived, with each
// subscription's connection state and recovery verdicts.
//
// Everything received is also kept for tests and curious people in
// window.__events ({channel, path, type, position, raw}), window.__recoveries
// and window.__states. Data is only ever written with textContent.
import { PubSubClient, localStoragePositions } from "/client/pubsub-client.js";

// The sample schema's channels (schema/examples/), as the generated
// generated/ts/sample_schema.js describes them: only the four shown here.
const channels = {
  broadcasts: { path: "/ws/broadcasts", params: [], access: "authenticated", history: false },
  track_comments: { path: "/ws/comments/{track_id}", params: ["track_id"], access: "authenticated", history: true },
  forum: { path: "/ws/forum/{thread_id}", params: ["thread_id"], access: "authenticated", history: true },
  notifications: { path: "/ws/notifications", params: [], access: "personal", history: true },
};

const kShown = 200;       // events listed per subscription
const kKept = 100000;     // entries kept in window.__events

const page = new URLSearchParams(location.search);
const token = page.get("token");
const userId = page.get("user_id");
const role = page.get("role");
// ?gateway=ws://a:1,ws://b:2 tries these replicas in turn; default: this page's origin.
const gateways = page.get("gateway")?.split(",").filter(Boolean);

window.__events = [];
window.__recoveries = [];
window.__states = [];

const identity = document.getElementById("identity");
identity.textContent = token ? "token from ?token=" : userId ? `${userId} (development auth)` : "none";

function problem(text) {
  const p = document.getElementById("problem");
  p.hidden = false;
  p.textContent = text;
}

function field(section, name) {
  return section.querySelector(`[data-field="${name}"]`);
}

function addSection(channel, path) {
  const section = document.getElementById("subscription").content.firstElementChild.cloneNode(true);
  section.dataset.channel = channel;
  field(section, "channel").textContent = channel;
  field(section, "path").textContent = path;
  document.getElementById("subscriptions").append(section);
  return section;
}

function listItem(section, className, metaText, bodyText, attributes) {
  const list = field(section, "events");
  const item = document.createElement("li");
  if (className) item.className = className;
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = metaText;
  const pre = document.createElement("pre");
  pre.textContent = bodyText;
  for (const [name, value] of Object.entries(attributes)) pre.setAttribute(name, value);
  item.append(meta, pre);
  list.prepend(item);
  while (list.children.length > kShown) list.lastElementChild.remove();
}

function time() {
  return new Date().toLocaleTimeString();
}

if (!token && !userId) {
  problem("No identity: open this page with ?user_id=ann (make run's development auth) or ?token=JWT.");
} else {
  const query = {};
  if (userId) query.user_id = userId;
  if (role) query.role = role;
  const client = new PubSubClient({
    channels,
    url: gateways,
    token: token ? () => token : undefined,
    query,
    storage: localStoragePositions("pubsub-demo:"),
    backoff: { initialMs: 250, maxMs: 5000 },
  });
  window.__demo = { client, subscriptions: [] };

  const wanted = [
    ["broadcasts", {}],
    ["track_comments", { track_id: page.get("track") || "42" }],
    ["forum", { thread_id: page.get("thread") || "7" }],
    ["notifications", {}],
  ];
  for (const [channel, params] of wanted) {
    let section = null;
    const subscription = client.subscribe(channel, params, {}, {
      onEvent(event, meta) {
        const entry = { channel, path: subscription.path, type: event.type, position: meta.position, raw: meta.raw };
        if (window.__events.length < kKept) window.__events.push(entry);
        listItem(section, "", `${time()} · ${event.type}${meta.position ? " · " + meta.position : ""}`,
                 meta.raw, { "data-event": "", "data-channel": channel });
      },
      onRecovery(info) {
        window.__recoveries.push({ channel, path: subscription.path, ...info });
        const text = info.recovered ? "recovered" : `NOT recovered: ${info.reason ?? "no reason given"}`;
        const shown = field(section, "recovery");
        shown.textContent = text;
        shown.className = info.recovered ? "" : "not-recovered";
        if (info.position) field(section, "position").textContent = info.position;
        if (!info.recovered) {
          listItem(section, "control", `${time()} · events may be missing here`,
                   JSON.stringify(info), { "data-recovery": "false", "data-channel": channel });
        }
      },
      onState(state, detail) {
        window.__states.push({ channel, state, detail });
        if (section === null) return;  // the first "connecting" comes before the section exists
        const shown = field(section, "state");
        shown.dataset.state = state;
        let text = state;
        if (state === "reconnecting") text += ` (attempt ${detail.attempt}, in ${detail.delayMs} ms)`;
        if (detail.code !== undefined && state !== "open") text += ` · last close ${detail.code}${detail.reason ? " " + detail.reason : ""}`;
        shown.textContent = text;
      },
    });
    section = addSection(channel, subscription.path);
    if (!channels[channel].history) field(section, "recovery").textContent = "none: live only (no history)";
    window.__demo.subscriptions.push(subscription);
    // Keep the shown position current as events arrive.
    setInterval(() => {
      if (subscription.position) field(section, "position").textContent = subscription.position;
    }, 500);
  }
}
