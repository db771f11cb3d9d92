// expect-error TS2339
import { PubSubClient } from "@pubsub/client";
import { channels, type Channels } from "sample_schema";

const client = new PubSubClient<Channels>({ channels });
client.subscribe("track_comments", { track_id: "42" }, {
  // comment_deleted carries only an id: there is no content to read.
  comment_deleted: (e) => { console.log(e.data?.content); },
});
