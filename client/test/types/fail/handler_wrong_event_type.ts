// expect-error TS2322
import { PubSubClient } from "@pubsub/client";
import { channels, type Channels, type NewBroadcast } from "sample_schema";

const client = new PubSubClient<Channels>({ channels });
// A handler for new_comment cannot take another event type.
client.subscribe("track_comments", { track_id: "42" }, {
  new_comment: (e: NewBroadcast) => { console.log(e.data?.title); },
});
