#include "server/websocket/frame_codec.h"

#include <string>

#include <gtest/gtest.h>

#include "server/websocket/utf8_validator.h"

namespace pubsub::ws {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(FrameCodecTest, Rfc6455UnmaskedHello) {
  // RFC 6455 section 5.7: "A single-frame unmasked text message".
  EXPECT_EQ(EncodeFrame(Opcode::kText, "Hello"), Bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
}

TEST(FrameCodecTest, Rfc6455UnmaskedPing) {
  EXPECT_EQ(EncodeFrame(Opcode::kPing, "Hello"), Bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
}

TEST(FrameCodecTest, Rfc6455SixteenBitLength) {
  // "256 bytes binary message in a single unmasked frame".
  std::string frame = EncodeFrame(Opcode::kBinary, std::string(256, '\0'));
  EXPECT_EQ(frame.substr(0, 4), Bytes({0x82, 0x7E, 0x01, 0x00}));
  EXPECT_EQ(frame.size(), 4u + 256);
}

TEST(FrameCodecTest, Rfc6455SixtyFourBitLength) {
  // "64KiB binary message in a single unmasked frame".
  std::string frame = EncodeFrame(Opcode::kBinary, std::string(65536, '\0'));
  EXPECT_EQ(frame.substr(0, 10), Bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
  EXPECT_EQ(frame.size(), 10u + 65536);
}

TEST(FrameCodecTest, HeaderSizesAtBoundaries) {
  uint8_t header[kMaxFrameHeaderBytes];
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 0, header), 2u);
  EXPECT_EQ(header[0], 0x81);
  EXPECT_EQ(header[1], 0);
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 125, header), 2u);
  EXPECT_EQ(header[1], 125);
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 126, header), 4u);
  EXPECT_EQ(header[1], 126);
  EXPECT_EQ(header[2], 0);
  EXPECT_EQ(header[3], 126);
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 65535, header), 4u);
  EXPECT_EQ(header[2], 0xFF);
  EXPECT_EQ(header[3], 0xFF);
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 65536, header), 10u);
  EXPECT_EQ(header[1], 127);
  EXPECT_EQ(EncodeFrameHeader(Opcode::kBinary, 0x0102030405060708ull, header), 10u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(header), 10),
            Bytes({0x82, 127, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(FrameCodecTest, CloseFrameCarriesCodeAndReason) {
  EXPECT_EQ(EncodeCloseFrame(1013, "slow consumer"),
            Bytes({0x88, 15, 0x03, 0xF5}) + "slow consumer");
  EXPECT_EQ(EncodeCloseFrame(1001, ""), Bytes({0x88, 2, 0x03, 0xE9}));
}

TEST(FrameCodecTest, CloseNoStatusIsAnEmptyCloseFrame) {
  EXPECT_EQ(EncodeCloseFrame(kCloseNoStatus, "ignored"), Bytes({0x88, 0}));
}

TEST(FrameCodecTest, CloseReasonTruncatedTo123Bytes) {
  std::string frame = EncodeCloseFrame(1000, std::string(300, 'r'));
  EXPECT_EQ(frame.size(), 2u + 125);
  EXPECT_EQ(static_cast<uint8_t>(frame[1]), 125);
}

TEST(FrameCodecTest, CloseReasonTruncatedAtUtf8Boundary) {
  // 'a' then 2-byte characters: byte 123 of the reason falls inside one.
  std::string reason = "a";
  for (int i = 0; i < 100; ++i) reason += "\u00e9";
  std::string frame = EncodeCloseFrame(1000, reason);
  std::string truncated = frame.substr(4);
  EXPECT_EQ(truncated.size(), 123u);  // 'a' + 61 characters of 2 bytes
  EXPECT_TRUE(IsValidUtf8(truncated));
  // 4-byte characters.
  std::string emoji;
  for (int i = 0; i < 40; ++i) emoji += "\U0001F600";
  truncated = EncodeCloseFrame(1000, emoji).substr(4);
  EXPECT_EQ(truncated.size(), 120u);
  EXPECT_TRUE(IsValidUtf8(truncated));
}

TEST(Utf8ValidatorTest, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("\u00e9\u20ac\U0001F600\U0010FFFF"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xC0, 0xAF})));              // overlong '/'
  EXPECT_FALSE(IsValidUtf8(Bytes({0xE0, 0x80, 0xAF})));        // overlong
  EXPECT_FALSE(IsValidUtf8(Bytes({0xED, 0xBF, 0xBF})));        // surrogate
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF4, 0x90, 0x80, 0x80})));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF5, 0x80, 0x80, 0x80})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xE2, 0x82})));  // truncated
  EXPECT_FALSE(IsValidUtf8(Bytes({0x80})));
}

TEST(Utf8ValidatorTest, IncrementalFeedingByteByByte) {
  std::string text = "h\u00e9llo \U0001F600 w\u20acrld";
  Utf8Validator v;
  for (char c : text) {
    ASSERT_TRUE(v.Feed(std::string_view(&c, 1)));
  }
  EXPECT_TRUE(v.complete());
  v.Reset();
  EXPECT_TRUE(v.Feed("\xE2\x82"));
  EXPECT_FALSE(v.complete());
  EXPECT_FALSE(v.failed());
  EXPECT_FALSE(v.Feed("x"));
  EXPECT_TRUE(v.failed());
  EXPECT_FALSE(v.Feed("valid"));  // stays failed
}

}  // namespace
}  // namespace pubsub::ws
