// The sans-IO RESP layer: reply parsing under limits, command formatting and
// pub/sub push recognition, without a socket. Garbage must give errors, never
// crashes (run under ASan+UBSan too).
#include "redis/resp.h"

#include <hiredis/hiredis.h>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace pubsub::internal::redis {
namespace {

constexpr size_t kLimit = 1 << 16;

// Parses `bytes` fed in one piece; returns every complete reply.
absl::StatusOr<std::vector<ReplyPtr>> ParseAll(std::string_view bytes, size_t limit = kLimit) {
  ReplyReader reader(limit);
  if (absl::Status s = reader.Feed(bytes); !s.ok()) return s;
  std::vector<ReplyPtr> replies;
  for (;;) {
    absl::StatusOr<ReplyPtr> next = reader.Next();
    if (!next.ok()) return next.status();
    if (*next == nullptr) return replies;
    replies.push_back(*std::move(next));
  }
}

std::string Push(std::initializer_list<std::string_view> parts) {
  std::string out;
  AppendCommand(out, parts);  // an array of bulk strings, the shape Redis pushes
  return out;
}

TEST(AppendCommandTest, FormatsAnArrayOfBulkStrings) {
  std::string out;
  AppendCommand(out, {"PUBLISH", "pubsub:news", "hi"});
  EXPECT_EQ(out, "*3\r\n$7\r\nPUBLISH\r\n$11\r\npubsub:news\r\n$2\r\nhi\r\n");
  AppendCommand(out, {"PING"});
  EXPECT_EQ(out.substr(out.size() - 14), "*1\r\n$4\r\nPING\r\n");
}

TEST(AppendCommandTest, IsBinarySafe) {
  const std::string payload("a\0b\r\n$3\r\n*\xff", 11);
  std::string out;
  AppendCommand(out, {"PUBLISH", "c", payload});
  auto replies = ParseAll(out);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 1u);
  const redisReply& r = *(*replies)[0];
  ASSERT_EQ(r.type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r.elements, 3u);
  EXPECT_EQ(std::string(r.element[2]->str, r.element[2]->len), payload);
}

TEST(ReplyReaderTest, ParsesPipelinedRepliesFedByteByByte) {
  const std::string stream = ":1\r\n+OK\r\n-ERR wrong\r\n$-1\r\n" + Push({"message", "c", "x"});
  ReplyReader reader(kLimit);
  std::vector<ReplyPtr> replies;
  for (char c : stream) {
    ASSERT_TRUE(reader.Feed(std::string_view(&c, 1)).ok());
    for (;;) {
      auto next = reader.Next();
      ASSERT_TRUE(next.ok()) << next.status();
      if (*next == nullptr) break;
      replies.push_back(*std::move(next));
    }
  }
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_EQ(replies[0]->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(replies[0]->integer, 1);
  EXPECT_EQ(replies[1]->type, REDIS_REPLY_STATUS);
  EXPECT_EQ(replies[2]->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(replies[3]->type, REDIS_REPLY_NIL);
  EXPECT_TRUE(ParsePubSubPush(*replies[4]).has_value());
}

TEST(ReplyReaderTest, IncompleteInputIsNotAnError) {
  auto replies = ParseAll("*3\r\n$7\r\nmessage\r\n$1\r\nc");
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty());
}

// Each of these is a protocol error: the reader reports it and stays failed.
TEST(ReplyReaderTest, GarbageIsAnErrorNotACrash) {
  const std::vector<std::string> garbage = {
      "?what\r\n",         // unknown type byte
      "hello world\r\n",   // not RESP at all
      "*-5\r\n",           // negative aggregate count
      "*-2\r\n:1\r\n",     // ... followed by elements
      "*99999999999\r\n",  // absurd aggregate count
      "*2000000\r\n",      // above the element limit
      "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",  // too deep
      std::string("\0\0\0\r\n", 5),                                          // NUL bytes
  };
  for (const std::string& g : garbage) {
    ReplyReader reader(kLimit);
    ASSERT_TRUE(reader.Feed(g).ok());
    absl::StatusOr<ReplyPtr> next = reader.Next();
    ASSERT_FALSE(next.ok()) << "accepted: " << g;
    EXPECT_TRUE(absl::StartsWith(next.status().message(), "protocol error")) << next.status();
    // Sticky: the connection must be dropped.
    EXPECT_FALSE(reader.Feed(":1\r\n").ok());
    EXPECT_FALSE(reader.Next().ok());
  }
}

TEST(ReplyReaderTest, AReplyLargerThanTheLimitIsAnError) {
  ReplyReader reader(/*max_reply_bytes=*/1000);
  ASSERT_TRUE(reader.Feed("$100000000\r\n").ok());
  ASSERT_TRUE(reader.Next().ok());  // waiting for the body
  const std::string chunk(600, 'x');
  ASSERT_TRUE(reader.Feed(chunk).ok());
  ASSERT_TRUE(reader.Next().ok());
  ASSERT_TRUE(reader.Feed(chunk).ok());
  absl::StatusOr<ReplyPtr> next = reader.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.status().message().find("larger than 1000 bytes"), std::string::npos);
}

TEST(ReplyReaderTest, AnAggregateIsCountedWholeAgainstTheLimit) {
  // hiredis parses each element as it arrives, so little ever waits
  // unparsed; the reply as a whole still may not pass the limit.
  ReplyReader reader(/*max_reply_bytes=*/1000);
  ASSERT_TRUE(reader.Feed("*100000\r\n").ok());
  absl::Status status;
  for (int i = 0; i < 1000 && status.ok(); ++i) {
    ASSERT_TRUE(reader.Feed(":1\r\n").ok());
    absl::StatusOr<ReplyPtr> next = reader.Next();
    if (next.ok()) {
      ASSERT_EQ(*next, nullptr);
    } else {
      status = next.status();
    }
  }
  EXPECT_NE(status.message().find("larger than 1000 bytes"), std::string::npos) << status;
}

TEST(ReplyReaderTest, ACompleteReplyOverTheLimitIsAnErrorAndOthersAreNot) {
  // Many small replies in one read are fine: the limit is per reply.
  std::string many;
  for (int i = 0; i < 500; ++i) many += ":1\r\n";
  auto replies = ParseAll(many, /*limit=*/100);
  ASSERT_TRUE(replies.ok()) << replies.status();
  EXPECT_EQ(replies->size(), 500u);
  // One reply over the limit is refused even when it arrives whole.
  auto big = ParseAll("$200\r\n" + std::string(200, 'x') + "\r\n", /*limit=*/100);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("larger than 100 bytes"), std::string::npos);
}

TEST(ReplyReaderTest, NegativeBulkLengths) {
  auto nil = ParseAll("$-1\r\n");
  ASSERT_TRUE(nil.ok());
  ASSERT_EQ(nil->size(), 1u);
  EXPECT_EQ((*nil)[0]->type, REDIS_REPLY_NIL);
  // Other negative lengths: hiredis versions differ (nil or an error); what
  // matters is that neither crashes nor yields a string.
  auto odd = ParseAll("$-7\r\n");
  if (odd.ok()) {
    ASSERT_EQ(odd->size(), 1u);
    EXPECT_EQ((*odd)[0]->type, REDIS_REPLY_NIL);
  }
}

TEST(ReplyReaderTest, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  const std::string alphabet = "*$:+-\r\n0123456789-abc\x00\xff";
  for (int round = 0; round < 3000; ++round) {
    std::string bytes;
    const int n = std::uniform_int_distribution<int>(1, 64)(rng);
    for (int i = 0; i < n; ++i) {
      bytes.push_back(alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)]);
    }
    ReplyReader reader(kLimit);
    if (!reader.Feed(bytes).ok()) continue;
    for (int i = 0; i < 100; ++i) {
      auto next = reader.Next();
      if (!next.ok() || *next == nullptr) break;
      (void)ParsePubSubPush(**next);
      (void)DescribeReply(**next);
    }
  }
}

TEST(ParsePubSubPushTest, RecognisesMessages) {
  auto replies = ParseAll(Push({"message", "pubsub:news", std::string_view("a\0b", 3)}) +
                          Push({"smessage", "pubsub:s", "p"}) +
                          Push({"pmessage", "pubsub:*", "pubsub:x", "q"}));
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 3u);

  auto m = ParsePubSubPush(*(*replies)[0]);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->kind, PubSubPush::Kind::kMessage);
  EXPECT_EQ(m->channel, "pubsub:news");
  EXPECT_EQ(m->payload, std::string_view("a\0b", 3));

  auto s = ParsePubSubPush(*(*replies)[1]);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, PubSubPush::Kind::kSMessage);
  EXPECT_EQ(s->channel, "pubsub:s");
  EXPECT_EQ(s->payload, "p");

  auto p = ParsePubSubPush(*(*replies)[2]);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, PubSubPush::Kind::kPMessage);
  EXPECT_EQ(p->pattern, "pubsub:*");
  EXPECT_EQ(p->channel, "pubsub:x");
  EXPECT_EQ(p->payload, "q");
}

TEST(ParsePubSubPushTest, RecognisesConfirmations) {
  auto replies = ParseAll(
      "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
      "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n"
      "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"  // UNSUBSCRIBE with nothing subscribed
      "*3\r\n$10\r\nssubscribe\r\n$1\r\nb\r\n:1\r\n"
      "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nb\r\n:0\r\n"
      "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 6u);
  using K = PubSubPush::Kind;
  const K kinds[] = {K::kSubscribe,  K::kUnsubscribe,  K::kUnsubscribe,
                     K::kSSubscribe, K::kSUnsubscribe, K::kPong};
  const char* channels[] = {"a", "a", "", "b", "b", ""};
  const int64_t counts[] = {1, 0, 0, 1, 0, 0};
  for (size_t i = 0; i < 6; ++i) {
    auto push = ParsePubSubPush(*(*replies)[i]);
    ASSERT_TRUE(push.has_value()) << i;
    EXPECT_EQ(push->kind, kinds[i]) << i;
    EXPECT_EQ(push->channel, channels[i]) << i;
    EXPECT_EQ(push->count, counts[i]) << i;
  }
}

TEST(ParsePubSubPushTest, RejectsOtherShapes) {
  auto replies = ParseAll(
      ":1\r\n"                                                    // integer
      "+OK\r\n"                                                   // status
      "-ERR only SUBSCRIBE allowed\r\n"                           // error
      "*0\r\n"                                                    // empty array
      "*1\r\n$7\r\nmessage\r\n"                                   // too short
      "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n:5\r\n"                  // integer payload
      "*3\r\n$7\r\nmessage\r\n$-1\r\n$1\r\np\r\n"                 // nil channel
      "*4\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n$1\r\nx\r\n"  // too long
      "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n$1\r\n1\r\n"           // count not an integer
      "*3\r\n$7\r\nMESSAGE\r\n$1\r\nc\r\n$1\r\np\r\n"             // kinds are lower case
      "*3\r\n:1\r\n$1\r\nc\r\n$1\r\np\r\n"                        // kind not a string
      "*3\r\n$5\r\nhello\r\n$1\r\nc\r\n$1\r\np\r\n"               // unknown kind
      "*3\r\n*1\r\n:1\r\n$1\r\nc\r\n$1\r\np\r\n");                // nested array as kind
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 13u);
  for (size_t i = 0; i < replies->size(); ++i) {
    EXPECT_FALSE(ParsePubSubPush(*(*replies)[i]).has_value()) << i;
  }
}

TEST(DescribeReplyTest, IsShortAndPrintable) {
  auto replies = ParseAll(Push({"message", "c", std::string(1000, '\x01')}) + "-ERR x\r\n");
  ASSERT_TRUE(replies.ok());
  const std::string d = DescribeReply(*(*replies)[0]);
  EXPECT_LT(d.size(), 700u);
  EXPECT_EQ(d.find('\x01'), std::string::npos);
  EXPECT_EQ(DescribeReply(*(*replies)[1]), "-ERR x");
}

}  // namespace
}  // namespace pubsub::internal::redis
