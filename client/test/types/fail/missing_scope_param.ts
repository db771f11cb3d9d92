// expect-error TS2345
import { PubSubClient } from "../../../src/pubsub-client.js";
import { channels, type Channels } from "../sample_schema.js";

const client = new PubSubClient<Channels>({ channels });
// track_comments is scoped by track_id: it cannot be left out.
client.subscribe("track_comments", {}, { new_comment: () => {} });
