// Test helpers: client-side (masked) frames built by hand, and a copy of the
// reader's events that outlives the views.
#ifndef PUBSUB_TESTS_SERVER_WEBSOCKET_WS_TEST_UTIL_H_
#define PUBSUB_TESTS_SERVER_WEBSOCKET_WS_TEST_UTIL_H_

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/websocket/frame_reader.h"

namespace pubsub::ws::testing {

struct ClientFrame {
  uint8_t opcode = 0x1;
  bool fin = true;
  bool masked = true;
  uint8_t rsv = 0;  // the three RSV bits, 0..7
  std::string payload;
  uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  // Forces a length encoding: 0 = minimal, 126 = 16-bit, 127 = 64-bit.
  uint8_t length_form = 0;
};

inline std::string Encode(const ClientFrame& f) {
  std::string out;
  out.push_back(static_cast<char>((f.fin ? 0x80 : 0) | (f.rsv << 4) | (f.opcode & 0x0F)));
  uint64_t n = f.payload.size();
  uint8_t form = f.length_form;
  if (form == 0) form = n < 126 ? 0 : (n <= 0xFFFF ? 126 : 127);
  uint8_t mask_bit = f.masked ? 0x80 : 0;
  if (form == 0) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (form == 126) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
  }
  if (f.masked) {
    out.append(reinterpret_cast<const char*>(f.mask), 4);
    for (size_t i = 0; i < f.payload.size(); ++i) {
      out.push_back(static_cast<char>(f.payload[i] ^ f.mask[i % 4]));
    }
  } else {
    out.append(f.payload);
  }
  return out;
}

inline std::string Frame(uint8_t opcode, std::string payload, bool fin = true) {
  ClientFrame f;
  f.opcode = opcode;
  f.fin = fin;
  f.payload = std::move(payload);
  return Encode(f);
}

// An Event with owned strings, comparable.
struct Recorded {
  FrameReader::EventKind kind;
  Opcode opcode;
  std::string payload;
  uint64_t message_size;
  bool discarded;
  uint16_t close_code;
  std::string reason;

  bool operator==(const Recorded&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Recorded& r) {
  return os << "{kind=" << static_cast<int>(r.kind) << " opcode=" << static_cast<int>(r.opcode)
            << " payload_size=" << r.payload.size() << " size=" << r.message_size
            << " discarded=" << r.discarded << " code=" << r.close_code << " reason=" << r.reason
            << "}";
}

inline Recorded Record(const FrameReader::Event& e) {
  return Recorded{e.kind,      e.opcode,     std::string(e.payload), e.message_size,
                  e.discarded, e.close_code, std::string(e.reason)};
}

// Feeds `bytes` in pieces of the given sizes (the last piece takes the rest)
// and returns every event but kNeedMore.
inline std::vector<Recorded> FeedInPieces(FrameReader& reader, std::string bytes,
                                          const std::vector<size_t>& piece_sizes) {
  std::vector<Recorded> events;
  size_t pos = 0;
  size_t piece = 0;
  while (pos < bytes.size() || piece == 0) {
    size_t n = piece < piece_sizes.size() ? piece_sizes[piece] : bytes.size() - pos;
    n = std::min(n, bytes.size() - pos);
    ++piece;
    // A fresh copy per piece, as if read into a reused buffer: views must not
    // outlive it.
    std::vector<uint8_t> buffer(bytes.begin() + pos, bytes.begin() + pos + n);
    std::span<uint8_t> input(buffer);
    for (;;) {
      FrameReader::Event e = reader.Next(input);
      if (e.kind == FrameReader::EventKind::kNeedMore) break;
      events.push_back(Record(e));
    }
    pos += n;
    if (bytes.empty()) break;
  }
  return events;
}

inline std::vector<Recorded> FeedAll(FrameReader& reader, std::string bytes) {
  return FeedInPieces(reader, std::move(bytes), {});
}

inline std::vector<Recorded> FeedByteByByte(FrameReader& reader, std::string bytes) {
  return FeedInPieces(reader, bytes, std::vector<size_t>(bytes.size(), 1));
}

}  // namespace pubsub::ws::testing

#endif  // PUBSUB_TESTS_SERVER_WEBSOCKET_WS_TEST_UTIL_H_
