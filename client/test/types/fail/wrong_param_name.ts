// expect-error TS2353
import { PubSubClient } from "@pubsub/client";
import { channels, type Channels } from "sample_schema";

const client = new PubSubClient<Channels>({ channels });
// forum's scope is thread_id.
client.subscribe("forum", { thread_id: "7", track_id: "42" }, {});
