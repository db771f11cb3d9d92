#include "server/websocket/frame_reader.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/websocket/frame_codec.h"
#include "tests/server/websocket/ws_test_util.h"

namespace pubsub::ws {
namespace {

using testing::ClientFrame;
using testing::Encode;
using testing::FeedAll;
using testing::FeedByteByByte;
using testing::FeedInPieces;
using testing::Frame;
using testing::Recorded;
using Kind = FrameReader::EventKind;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

FrameReader::Options Opts(uint64_t max, bool keep = true) {
  FrameReader::Options o;
  o.max_message_bytes = max;
  o.keep_messages = keep;
  return o;
}

// Expects exactly one event of kind kError with `code`.
void ExpectError(std::string bytes, uint16_t code, FrameReader::Options options = {}) {
  FrameReader reader(options);
  std::vector<Recorded> events = FeedAll(reader, bytes);
  ASSERT_EQ(events.size(), 1u) << "whole";
  EXPECT_EQ(events[0].kind, Kind::kError) << events[0];
  EXPECT_EQ(events[0].close_code, code) << events[0];
  EXPECT_FALSE(events[0].reason.empty());
  EXPECT_TRUE(reader.finished());
  // Byte by byte yields the same single error.
  FrameReader reader2(options);
  std::vector<Recorded> events2 = FeedByteByByte(reader2, bytes);
  ASSERT_EQ(events2.size(), 1u) << "byte by byte";
  EXPECT_EQ(events2[0], events[0]);
}

TEST(FrameReaderTest, Rfc6455MaskedHello) {
  // RFC 6455 section 5.7: a single-frame masked text message "Hello".
  FrameReader reader;
  auto events =
      FeedAll(reader, Bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kMessage);
  EXPECT_EQ(events[0].opcode, Opcode::kText);
  EXPECT_EQ(events[0].payload, "Hello");
  EXPECT_EQ(events[0].message_size, 5u);
  EXPECT_FALSE(events[0].discarded);
  EXPECT_TRUE(reader.idle());
}

TEST(FrameReaderTest, Rfc6455MaskedPong) {
  // RFC 6455 section 5.7: a masked pong whose body is "Hello".
  FrameReader reader;
  auto events =
      FeedAll(reader, Bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kPong);
  EXPECT_EQ(events[0].payload, "Hello");
}

TEST(FrameReaderTest, FragmentedMessageHelLo) {
  // RFC 6455 section 5.7's fragmented "Hel" + "lo", masked as a client sends it.
  FrameReader reader;
  auto events = FeedAll(reader, Frame(0x1, "Hel", false) + Frame(0x0, "lo"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kMessage);
  EXPECT_EQ(events[0].payload, "Hello");
  EXPECT_EQ(events[0].message_size, 5u);
}

TEST(FrameReaderTest, PingInsideFragmentedMessage) {
  FrameReader reader;
  std::string bytes = Frame(0x1, "Hel", false) + Frame(0x9, "are you there") +
                      Frame(0x0, "l", false) + Frame(0xA, "") + Frame(0x0, "o");
  auto events = FeedAll(reader, bytes);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Kind::kPing);
  EXPECT_EQ(events[0].payload, "are you there");
  EXPECT_EQ(events[1].kind, Kind::kPong);
  EXPECT_EQ(events[1].payload, "");
  EXPECT_EQ(events[2].kind, Kind::kMessage);
  EXPECT_EQ(events[2].payload, "Hello");
}

TEST(FrameReaderTest, SixteenBitLength) {
  std::string payload(256, 'x');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i);
  std::string bytes = Frame(0x2, payload);
  EXPECT_EQ(static_cast<uint8_t>(bytes[1]), 0x80 | 126);
  EXPECT_EQ(static_cast<uint8_t>(bytes[2]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(bytes[3]), 0x00);
  FrameReader reader;
  auto events = FeedAll(reader, bytes);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].opcode, Opcode::kBinary);
  EXPECT_EQ(events[0].payload, payload);
}

TEST(FrameReaderTest, SixtyFourBitLength) {
  std::string payload(65536 + 7, 'a');
  std::string bytes = Frame(0x2, payload);
  EXPECT_EQ(static_cast<uint8_t>(bytes[1]), 0x80 | 127);
  FrameReader reader(Opts(1 << 20));
  auto events = FeedAll(reader, bytes);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, payload);
  EXPECT_EQ(events[0].message_size, payload.size());
}

TEST(FrameReaderTest, EmptyMessagesAndControlFrames) {
  FrameReader reader;
  auto events = FeedAll(reader, Frame(0x1, "") + Frame(0x2, "") + Frame(0x9, ""));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Kind::kMessage);
  EXPECT_EQ(events[0].payload, "");
  EXPECT_EQ(events[1].opcode, Opcode::kBinary);
  EXPECT_EQ(events[2].kind, Kind::kPing);
}

TEST(FrameReaderTest, ManyMessagesInOneRead) {
  FrameReader reader;
  std::string bytes;
  for (int i = 0; i < 100; ++i) bytes += Frame(0x1, "message " + std::to_string(i));
  auto events = FeedAll(reader, bytes);
  ASSERT_EQ(events.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(events[i].payload, "message " + std::to_string(i));
}

TEST(FrameReaderTest, DiscardedMessagesReportSizeAndHoldNoMemory) {
  FrameReader reader(Opts(1 << 20, /*keep=*/false));
  std::string big(100000, 'z');
  auto events = FeedInPieces(reader, Frame(0x1, big, false) + Frame(0x0, "tail"),
                             std::vector<size_t>(200, 517));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kMessage);
  EXPECT_TRUE(events[0].discarded);
  EXPECT_EQ(events[0].payload, "");
  EXPECT_EQ(events[0].message_size, big.size() + 4);
  EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReaderTest, KeptMessageBufferIsReleasedOnNextCall) {
  FrameReader reader;
  std::string bytes = Frame(0x1, std::string(5000, 'k'));
  std::vector<uint8_t> buffer(bytes.begin(), bytes.end());
  std::span<uint8_t> input(buffer);
  auto event = reader.Next(input);
  ASSERT_EQ(event.kind, Kind::kMessage);
  EXPECT_EQ(event.payload.size(), 5000u);
  EXPECT_GE(reader.buffered_bytes(), 5000u);
  EXPECT_EQ(reader.Next(input).kind, Kind::kNeedMore);
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  EXPECT_TRUE(reader.idle());
}

TEST(FrameReaderTest, SetKeepMessagesAppliesToTheNextMessage) {
  FrameReader reader;
  auto events = FeedAll(reader, Frame(0x1, "kept"));
  reader.set_keep_messages(false);
  auto more = FeedAll(reader, Frame(0x1, "dropped"));
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(events[0].payload, "kept");
  EXPECT_TRUE(more[0].discarded);
  EXPECT_EQ(more[0].message_size, 7u);
}

TEST(FrameReaderTest, ControlPayloadSplitAcrossReads) {
  FrameReader reader;
  std::string payload(125, 'p');
  auto events = FeedInPieces(reader, Frame(0x9, payload), {3, 4, 50, 1, 1});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kPing);
  EXPECT_EQ(events[0].payload, payload);
}

TEST(FrameReaderTest, SplitPingBetweenFragmentsKeepsTheMessage) {
  // The ping's payload is buffered by the reader (split across reads) while a
  // kept message is half read: releasing one buffer must not drop the other.
  FrameReader reader;
  std::string bytes =
      Frame(0x1, "first half ", false) + Frame(0x9, "ping payload") + Frame(0x0, "second half");
  size_t ping_start = Frame(0x1, "first half ", false).size();
  auto events = FeedInPieces(reader, bytes, {ping_start + 9, 1});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, "ping payload");
  EXPECT_EQ(events[1].payload, "first half second half");
}

TEST(FrameReaderTest, IdleReflectsPartialFrames) {
  FrameReader reader;
  std::string bytes = Frame(0x1, "abc");
  std::vector<uint8_t> buffer(bytes.begin(), bytes.begin() + 1);
  std::span<uint8_t> input(buffer);
  EXPECT_TRUE(reader.idle());
  EXPECT_EQ(reader.Next(input).kind, Kind::kNeedMore);
  EXPECT_TRUE(input.empty());
  EXPECT_FALSE(reader.idle());
}

// ---- Close frames ----

TEST(FrameReaderTest, CloseWithCodeAndReason) {
  FrameReader reader;
  auto events = FeedAll(reader, Frame(0x8, Bytes({0x03, 0xE8}) + "bye") + Frame(0x1, "ignored"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kClose);
  EXPECT_EQ(events[0].close_code, 1000);
  EXPECT_EQ(events[0].reason, "bye");
  EXPECT_TRUE(reader.finished());
}

TEST(FrameReaderTest, EmptyCloseReportsNoStatus) {
  FrameReader reader;
  auto events = FeedAll(reader, Frame(0x8, ""));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kClose);
  EXPECT_EQ(events[0].close_code, kCloseNoStatus);
}

TEST(FrameReaderTest, ValidCloseCodesAccepted) {
  for (uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                        3000, 3999, 4000, 4999}) {
    FrameReader reader;
    auto events = FeedAll(reader, Frame(0x8, Bytes({code >> 8, code & 0xFF})));
    ASSERT_EQ(events.size(), 1u) << code;
    EXPECT_EQ(events[0].kind, Kind::kClose) << code;
    EXPECT_EQ(events[0].close_code, code);
  }
}

TEST(FrameReaderTest, InvalidCloseCodesAreProtocolErrors) {
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    SCOPED_TRACE(code);
    ExpectError(Frame(0x8, Bytes({code >> 8, code & 0xFF})), kCloseProtocolError);
  }
}

TEST(FrameReaderTest, OneByteCloseIsProtocolError) {
  ExpectError(Frame(0x8, "\x03"), kCloseProtocolError);
}

TEST(FrameReaderTest, CloseReasonMustBeUtf8) {
  ExpectError(Frame(0x8, Bytes({0x03, 0xE8, 0xC3, 0x28})), kCloseInvalidPayload);
}

TEST(FrameReaderTest, InputAfterCloseIsSwallowed) {
  FrameReader reader;
  auto events = FeedAll(reader, Frame(0x8, ""));
  ASSERT_EQ(events.size(), 1u);
  std::string garbage = "\xff\xff\xff garbage";
  std::vector<uint8_t> buffer(garbage.begin(), garbage.end());
  std::span<uint8_t> input(buffer);
  EXPECT_EQ(reader.Next(input).kind, Kind::kNeedMore);
  EXPECT_TRUE(input.empty());
}

// ---- Protocol errors (1002) ----

TEST(FrameReaderTest, UnmaskedClientFrame) {
  ClientFrame f;
  f.masked = false;
  f.payload = "Hello";
  ExpectError(Encode(f), kCloseProtocolError);
}

TEST(FrameReaderTest, ReservedBits) {
  for (uint8_t rsv : {1, 2, 4, 7}) {
    ClientFrame f;
    f.rsv = rsv;
    f.payload = "x";
    SCOPED_TRACE(rsv);
    ExpectError(Encode(f), kCloseProtocolError);
  }
}

TEST(FrameReaderTest, ReservedOpcodes) {
  for (uint8_t op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    SCOPED_TRACE(op);
    ExpectError(Frame(op, "x"), kCloseProtocolError);
  }
}

TEST(FrameReaderTest, FragmentedControlFrame) {
  ExpectError(Frame(0x9, "ping", /*fin=*/false), kCloseProtocolError);
  ExpectError(Frame(0x8, "", /*fin=*/false), kCloseProtocolError);
}

TEST(FrameReaderTest, ControlFrameOver125Bytes) {
  ExpectError(Frame(0x9, std::string(126, 'p')), kCloseProtocolError);
  ExpectError(Frame(0xA, std::string(1000, 'p')), kCloseProtocolError);
}

TEST(FrameReaderTest, ContinuationWithoutStart) {
  ExpectError(Frame(0x0, "lo"), kCloseProtocolError);
  // Also after a complete message.
  FrameReader reader;
  auto events = FeedAll(reader, Frame(0x1, "Hel") + Frame(0x0, "lo"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, "Hel");
  EXPECT_EQ(events[1].kind, Kind::kError);
  EXPECT_EQ(events[1].close_code, kCloseProtocolError);
}

TEST(FrameReaderTest, NewDataFrameInsideFragmentedMessage) {
  ExpectError(Frame(0x1, "Hel", false) + Frame(0x1, "lo"), kCloseProtocolError);
  ExpectError(Frame(0x2, "Hel", false) + Frame(0x2, "lo"), kCloseProtocolError);
}

TEST(FrameReaderTest, NonMinimalLengths) {
  ClientFrame f;
  f.payload = "short";
  f.length_form = 126;
  ExpectError(Encode(f), kCloseProtocolError);
  f.length_form = 127;
  ExpectError(Encode(f), kCloseProtocolError);
  f.payload = std::string(1000, 'm');
  f.length_form = 127;
  ExpectError(Encode(f), kCloseProtocolError);
}

TEST(FrameReaderTest, SixtyFourBitLengthWithHighBitSet) {
  std::string bytes = Bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  ExpectError(bytes, kCloseProtocolError, Opts(UINT64_MAX));
}

TEST(FrameReaderTest, ErrorReportedBeforeThePayloadArrives) {
  // The header alone suffices to fail an oversized frame: nothing is buffered.
  FrameReader reader(Opts(1000));
  std::string bytes = Frame(0x2, std::string(5000, 'b')).substr(0, 8);
  auto events = FeedAll(reader, bytes);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].close_code, kCloseMessageTooBig);
  EXPECT_EQ(reader.buffered_bytes(), 0u);
}

// ---- Message too big (1009) ----

TEST(FrameReaderTest, MessageTooBigSingleFrame) {
  FrameReader reader(Opts(10));
  auto events = FeedAll(reader, Frame(0x1, std::string(10, 'a')));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kMessage);
  ExpectError(Frame(0x1, std::string(11, 'a')), kCloseMessageTooBig, Opts(10));
  ExpectError(Frame(0x2, std::string(11, 'a')), kCloseMessageTooBig, Opts(10, /*keep=*/false));
}

TEST(FrameReaderTest, MessageTooBigAcrossFragments) {
  ExpectError(Frame(0x1, std::string(6, 'a'), false) + Frame(0x0, std::string(5, 'a')),
              kCloseMessageTooBig, Opts(10));
}

TEST(FrameReaderTest, HugeDeclaredLengthFailsWithoutAllocating) {
  std::string bytes =
      Bytes({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4});
  ExpectError(bytes, kCloseMessageTooBig);
}

TEST(FrameReaderTest, ControlFramesDoNotCountTowardsTheMessageSize) {
  FrameReader reader(Opts(10));
  auto events =
      FeedAll(reader, Frame(0x1, std::string(6, 'a'), false) + Frame(0x9, std::string(100, 'p')) +
                          Frame(0x0, std::string(4, 'a')));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, Kind::kMessage);
  EXPECT_EQ(events[1].message_size, 10u);
}

// ---- Invalid UTF-8 (1007) ----

TEST(FrameReaderTest, InvalidUtf8Text) {
  for (std::string bad : {Bytes({0xC3, 0x28}), Bytes({0xED, 0xA0, 0x80}) /* surrogate */,
                          Bytes({0xC0, 0x80}) /* overlong */, Bytes({0xF4, 0x90, 0x80, 0x80}),
                          Bytes({0xFF}), Bytes({0x80}), Bytes({0xE2, 0x82}) /* truncated */}) {
    SCOPED_TRACE(bad.size());
    ExpectError(Frame(0x1, "ok " + bad), kCloseInvalidPayload);
    // Discarded text is still validated.
    ExpectError(Frame(0x1, "ok " + bad), kCloseInvalidPayload, Opts(1000, /*keep=*/false));
  }
}

TEST(FrameReaderTest, Utf8CharacterSplitAcrossFragmentsIsValid) {
  // "€" is E2 82 AC: split it over two fragments.
  FrameReader reader;
  auto events =
      FeedAll(reader, Frame(0x1, Bytes({'a', 0xE2, 0x82}), false) + Frame(0x0, Bytes({0xAC, 'b'})));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kMessage);
  EXPECT_EQ(events[0].payload, "a\u20acb");
}

TEST(FrameReaderTest, TruncatedUtf8AtMessageEnd) {
  ExpectError(Frame(0x1, Bytes({'a', 0xE2, 0x82}), false) + Frame(0x0, ""), kCloseInvalidPayload);
}

TEST(FrameReaderTest, BinaryIsNotValidated) {
  FrameReader reader;
  auto events = FeedAll(reader, Frame(0x2, Bytes({0xFF, 0xFE, 0xC0})));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kMessage);
}

// ---- Feeding patterns ----

std::string MixedStream() {
  std::string bytes;
  bytes += Frame(0x1, "Hello");
  bytes += Frame(0x2, std::string(300, '\x01'));
  bytes += Frame(0x1, "frag", false);
  bytes += Frame(0x9, "ping!");
  bytes += Frame(0x0, "ment", false);
  bytes += Frame(0x0, std::string(70000, 'x'));
  bytes += Frame(0xA, "pong");
  bytes += Frame(0x1, "\u00e9t\u00e9 \U0001F600");
  bytes += Frame(0x8, Bytes({0x03, 0xE9}) + "going");
  return bytes;
}

TEST(FrameReaderTest, ByteByByteEqualsWhole) {
  FrameReader whole_reader(Opts(1 << 20));
  FrameReader byte_reader(Opts(1 << 20));
  auto whole = FeedAll(whole_reader, MixedStream());
  auto bytewise = FeedByteByByte(byte_reader, MixedStream());
  ASSERT_EQ(whole.size(), 7u);
  EXPECT_EQ(whole[6].kind, Kind::kClose);
  EXPECT_EQ(whole[6].close_code, 1001);
  EXPECT_EQ(whole, bytewise);
}

TEST(FrameReaderTest, RandomSplitsEqualWhole) {
  std::mt19937 rng(12345);
  std::string stream = MixedStream();
  FrameReader whole_reader(Opts(1 << 20));
  auto whole = FeedAll(whole_reader, stream);
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> pieces;
    size_t total = 0;
    while (total < stream.size()) {
      // Mostly small pieces, sometimes large ones.
      size_t n = (rng() % 4 == 0) ? rng() % 20000 : rng() % 16;
      pieces.push_back(n);
      total += n;
    }
    FrameReader reader(Opts(1 << 20));
    ASSERT_EQ(FeedInPieces(reader, stream, pieces), whole) << "round " << round;
  }
}

TEST(FrameReaderTest, RandomFrameSequencesSplitRandomly) {
  std::mt19937 rng(777);
  for (int round = 0; round < 300; ++round) {
    std::string stream;
    int frames = 1 + rng() % 12;
    bool in_message = false;
    for (int i = 0; i < frames; ++i) {
      int choice = rng() % 5;
      std::string payload(rng() % (rng() % 8 == 0 ? 70000 : 200), 'a' + rng() % 26);
      if (choice == 0) {
        stream += Frame(0x9, payload.substr(0, 125));
      } else if (choice == 1) {
        stream += Frame(0xA, payload.substr(0, 125));
      } else {
        bool fin = rng() % 2 == 0;
        stream += Frame(in_message ? 0x0 : (choice == 2 ? 0x2 : 0x1), payload, fin);
        in_message = !fin;
      }
    }
    // Sometimes end with garbage to exercise an error after valid frames.
    if (rng() % 3 == 0) stream += std::string(1 + rng() % 20, static_cast<char>(rng()));
    FrameReader whole_reader(Opts(1 << 17, round % 2 == 0));
    auto whole = FeedAll(whole_reader, stream);
    std::vector<size_t> pieces;
    for (size_t total = 0; total < stream.size();) {
      size_t n = 1 + rng() % 300;
      pieces.push_back(n);
      total += n;
    }
    FrameReader reader(Opts(1 << 17, round % 2 == 0));
    ASSERT_EQ(FeedInPieces(reader, stream, pieces), whole) << "round " << round;
  }
}

// ---- Round trip with the encoder ----

TEST(FrameReaderTest, ReadsWhatTheCodecWritesOnceMasked) {
  // Server frames are unmasked; mask one as a client would and read it back.
  std::string server_frame = EncodeCloseFrame(4000, "custom");
  ClientFrame f;
  f.opcode = 0x8;
  f.payload = server_frame.substr(2);
  FrameReader reader;
  auto events = FeedAll(reader, Encode(f));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].close_code, 4000);
  EXPECT_EQ(events[0].reason, "custom");
}

}  // namespace
}  // namespace pubsub::ws
