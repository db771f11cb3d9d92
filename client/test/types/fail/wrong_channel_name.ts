// expect-error TS2345
import { PubSubClient } from "@pubsub/client";
import { channels, type Channels } from "sample_schema";

const client = new PubSubClient<Channels>({ channels });
client.subscribe("track_comment", { track_id: "42" }, {});
