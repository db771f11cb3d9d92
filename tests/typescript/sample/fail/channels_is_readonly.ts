// expect-error TS2540
// The runtime value is frozen, and its declaration says so.
import { channels } from "sample_schema";

channels.track_comments.path = "/ws/elsewhere";
