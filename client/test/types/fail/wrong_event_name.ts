// expect-error TS2353
import { PubSubClient } from "@pubsub/client";
import { channels, type Channels } from "sample_schema";

const client = new PubSubClient<Channels>({ channels });
// new_post belongs to the forum channel, not to track_comments.
client.subscribe("track_comments", { track_id: "42" }, { new_post: () => {} });
