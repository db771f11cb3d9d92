// The channel map: the shapes the generated code provides (a `Channels` type
// and a runtime `channels` table), and how they type subscribe()'s handlers,
// so a wrong channel, event or parameter name fails `tsc`. Types only.
export {};
