// expect-error TS2345
import { PubSubClient } from "@pubsub/client";
import { channels, type Channels } from "sample_schema";

const client = new PubSubClient<Channels>({ channels });
// track_comments is scoped by track_id: it cannot be left out.
client.subscribe("track_comments", {}, { new_comment: () => {} });
