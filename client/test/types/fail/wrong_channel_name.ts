// expect-error TS2345
import { PubSubClient } from "../../../src/pubsub-client.js";
import { channels, type Channels } from "../sample_schema.js";

const client = new PubSubClient<Channels>({ channels });
client.subscribe("track_comment", { track_id: "42" }, {});
