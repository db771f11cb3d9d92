// Fuzz target: the WebSocket frame reader (server/websocket/frame_reader.h).
//
// Input: byte 0 picks the options (keep/discard, max message size), byte 1
// seeds how the rest is split into reads; the rest is the client's byte
// stream. Checks, beyond "no crash, no out-of-bounds, no leak": feeding the
// stream whole and in pieces yields the same events; kept messages respect
// the size limit; kept text, close reasons are valid UTF-8; close codes are
// valid; the reader's memory stays bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "server/websocket/frame_reader.h"
#include "server/websocket/utf8_validator.h"

namespace {

using pubsub::ws::FrameReader;
using Kind = FrameReader::EventKind;

struct Recorded {
  Kind kind;
  pubsub::ws::Opcode opcode;
  std::string payload;
  uint64_t size;
  bool discarded;
  uint16_t code;
  std::string reason;
  bool operator==(const Recorded&) const = default;
};

void Check(bool condition) {
  if (!condition) std::abort();
}

std::vector<Recorded> Run(const FrameReader::Options& options, const uint8_t* data, size_t size,
                          uint32_t split_seed) {
  FrameReader reader(options);
  std::vector<Recorded> events;
  size_t pos = 0;
  uint32_t state = split_seed;
  while (pos < size) {
    size_t n = size - pos;
    if (split_seed != 0) {
      state = state * 1103515245u + 12345u;  // a tiny LCG: deterministic splits
      n = std::min<size_t>(n, 1 + (state >> 16) % 64);
    }
    std::vector<uint8_t> buffer(data + pos, data + pos + n);  // a fresh read buffer
    std::span<uint8_t> input(buffer);
    for (;;) {
      FrameReader::Event e = reader.Next(input);
      if (e.kind == Kind::kNeedMore) {
        Check(input.empty());
        break;
      }
      Recorded r{e.kind,      e.opcode,     std::string(e.payload), e.message_size,
                 e.discarded, e.close_code, std::string(e.reason)};
      switch (e.kind) {
        case Kind::kMessage:
          Check(e.message_size <= options.max_message_bytes);
          Check(e.discarded ? e.payload.empty() : e.payload.size() == e.message_size);
          if (e.opcode == pubsub::ws::Opcode::kText) Check(pubsub::ws::IsValidUtf8(e.payload));
          break;
        case Kind::kPing:
        case Kind::kPong:
          Check(e.payload.size() <= pubsub::ws::kMaxControlPayloadBytes);
          break;
        case Kind::kClose:
          Check(e.close_code == pubsub::ws::kCloseNoStatus ||
                pubsub::ws::IsValidReceivedCloseCode(e.close_code));
          Check(pubsub::ws::IsValidUtf8(e.reason));
          Check(reader.finished());
          break;
        case Kind::kError:
          Check(e.close_code == 1002 || e.close_code == 1007 || e.close_code == 1009);
          Check(reader.finished());
          break;
        case Kind::kNeedMore:
          break;
      }
      events.push_back(std::move(r));
      // Memory held between reads: a kept message so far, a control payload.
      Check(reader.buffered_bytes() <= 2 * options.max_message_bytes + 1024);
    }
    pos += n;
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  FrameReader::Options options;
  options.keep_messages = (data[0] & 1) != 0;
  static constexpr uint64_t kLimits[] = {0, 125, 1000, 70000};
  options.max_message_bytes = kLimits[(data[0] >> 1) & 3];
  uint32_t split_seed = data[1] | 1u;
  auto whole = Run(options, data + 2, size - 2, 0);
  auto split = Run(options, data + 2, size - 2, split_seed);
  Check(whole == split);
  return 0;
}
