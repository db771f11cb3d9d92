// The client's API, used as documented: every line must compile.
import { PubSubClient, localStoragePositions, type RecoveryInfo } from "@pubsub/client";
import { channels, type Channels, type NewComment } from "sample_schema";

const client = new PubSubClient<Channels>({
  url: ["ws://127.0.0.1:8001", "ws://127.0.0.1:8002"],
  channels,
  token: async () => "header.payload.signature",
  query: { user_id: "ann" },
  storage: localStoragePositions(),
  backoff: { initialMs: 100, maxMs: 5000 },
});

const comments = client.subscribe("track_comments", { track_id: "42" }, {
  new_comment: (e) => {
    const text: string | undefined = e.data?.content;
    const type: "new_comment" = e.type;
    void text, type;
  },
  comment_deleted: async (e, meta) => {
    const id: number | undefined = e.data?.id;
    const position: string | undefined = meta.position;
    void id, position;
  },
}, {
  onRecovery: (info: RecoveryInfo) => { if (!info.recovered) void info.reason; },
  onState: (state) => { const s: "connecting" | "open" | "reconnecting" | "closed" = state; void s; },
  onEvent: (e) => { const t: "new_comment" | "comment_updated" | "comment_deleted" = e.type; void t; },
});

client.subscribe("broadcasts", {}, { new_broadcast: (e) => void e.data?.title });
client.subscribe("notifications", {}, {});
client.subscribe("forum", { thread_id: "7" }, { new_post: (e: { data?: { content: string } }) => void e });

function explicit(e: NewComment) { void e.track_id; }
client.subscribe("track_comments", { track_id: "1" }, { new_comment: explicit });

const stop = client.on("recovery", (r) => { const p: string | undefined = r.position; void p; void r.path; });
stop();
comments.close();
client.close();

// The browser's WebSocket fits the option.
new PubSubClient<Channels>({ channels, WebSocket });

// With a function URL and a plain string token.
new PubSubClient<Channels>({ url: () => "ws://127.0.0.1:8001", channels, token: "jwt" });
