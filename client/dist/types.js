// The client's public vocabulary besides the channel map: options, states,
// recovery verdicts, the subscription handle and client-wide events. Types only.
export {};
