// The load generator's event marker: each published event carries, inside a
// text field that the gateway copies verbatim into its JSON (content, text),
// the time it was sent and its sequence number:
//
//   ~T<19 digits: send time, ns since the Unix epoch>~<10 digits: sequence>~xxxx...
//
// The client finds "~T" in the frame (JSON never escapes '~' or digits), so
// the marker works for every channel and event type, and fixed-width digits
// let the trivial sender (--ceiling) restamp pre-built frames in place.
#ifndef PUBSUB_TOOLS_LOADGEN_EVENT_TEXT_H_
#define PUBSUB_TOOLS_LOADGEN_EVENT_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pubsub::loadgen {

inline constexpr size_t kMarkerBytes = 2 + 19 + 1 + 10 + 1;  // "~T" ns "~" seq "~"

// Nanoseconds since the Unix epoch (CLOCK_REALTIME: publisher and clients may
// be different processes on the same machine).
int64_t NowUnixNanos();

// The text field: the marker padded with 'x' to `length` bytes (never
// shorter than the marker).
std::string MakeEventText(int64_t send_unix_nanos, uint64_t seq, size_t length);

// Overwrites the 19 time digits of a marker starting at `marker` ("~T...").
void RestampMarker(char* marker, int64_t send_unix_nanos);

// Finds the marker in `frame_payload`; false if there is none.
bool ParseMarker(std::string_view frame_payload, int64_t& send_unix_nanos, uint64_t& seq);

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_EVENT_TEXT_H_
