// RESP (the Redis protocol) without I/O: hiredis's reply reader behind limits,
// command formatting, and recognition of pub/sub pushes. The Redis bus's
// connections feed it the bytes they read; the tests feed it bytes directly.
//
//   ReplyReader reader(/*max_reply_bytes=*/64 << 20);
//   if (absl::Status s = reader.Feed(bytes); !s.ok()) { /* drop the connection */ }
//   for (;;) {
//     absl::StatusOr<ReplyPtr> reply = reader.Next();
//     if (!reply.ok()) { /* protocol error: drop the connection */ }
//     if (*reply == nullptr) break;  // need more bytes
//     if (auto push = ParsePubSubPush(**reply)) { ... }
//   }
//
// Everything a server sends is treated as untrusted: a malformed or oversized
// reply is a Status, never a crash.
#ifndef PUBSUB_RUNTIME_SRC_REDIS_RESP_H_
#define PUBSUB_RUNTIME_SRC_REDIS_RESP_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct redisReader;
struct redisReply;

namespace pubsub::internal::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
// One parsed reply tree, freed with hiredis's freeReplyObject.
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Incremental reply parser over hiredis's redisReader. Not thread-safe.
//
// Limits (hiredis 0.14 trusts the server): an aggregate may declare at most
// kMaxElements elements and nothing else (negative counts included) is
// accepted; a reply may take at most `max_reply_bytes` bytes of the stream,
// counted whole (all its elements, whether parsed or still waiting). Memory
// follows bytes, with one caveat: hiredis allocates an object (~50 bytes) per
// element and an element can take 3 bytes, so a hostile server's reply of
// tiny elements may hold ~20x its size. After an error the reader stays
// failed: the connection must be dropped.
class ReplyReader {
 public:
  static constexpr int kMaxElements = 1 << 20;

  explicit ReplyReader(size_t max_reply_bytes);
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  // Appends bytes read from the connection.
  absl::Status Feed(std::string_view bytes);

  // The next complete reply, nullptr when more bytes are needed, or an error
  // (InvalidArgument: "protocol error: ...") when the stream is malformed.
  absl::StatusOr<ReplyPtr> Next();

 private:
  struct ReaderDeleter {
    void operator()(redisReader* reader) const;
  };

  const size_t max_reply_bytes_;
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
  // Bytes fed so far, and the stream offset where the current reply starts.
  uint64_t fed_ = 0;
  uint64_t reply_start_ = 0;
  absl::Status error_;
};

// Appends one command in RESP (an array of bulk strings) to `out`, using
// hiredis's redisFormatCommandArgv.
void AppendCommand(std::string& out, std::span<const std::string_view> args);
inline void AppendCommand(std::string& out, std::initializer_list<std::string_view> args) {
  AppendCommand(out, std::span<const std::string_view>(args.begin(), args.size()));
}

// A pub/sub push as RESP2 delivers it on a subscribed connection.
struct PubSubPush {
  enum class Kind {
    kMessage,       // ["message", channel, payload]
    kSubscribe,     // ["subscribe", channel, count]
    kUnsubscribe,   // ["unsubscribe", channel | nil, count]
    kSMessage,      // ["smessage", channel, payload]          (sharded, Redis 7)
    kSSubscribe,    // ["ssubscribe", channel, count]
    kSUnsubscribe,  // ["sunsubscribe", channel | nil, count]
    kPMessage,      // ["pmessage", pattern, channel, payload]
    kPSubscribe,    // ["psubscribe", pattern, count]
    kPUnsubscribe,  // ["punsubscribe", pattern | nil, count]
    kPong,          // ["pong", data]: PING on a subscribed connection
  };
  Kind kind = Kind::kMessage;
  // The channel (the pattern for p(un)subscribe); empty for a nil channel.
  std::string_view channel;
  // kMessage/kSMessage/kPMessage: the payload; kPong: the data.
  std::string_view payload;
  // kPMessage: the pattern that matched.
  std::string_view pattern;
  // k*Subscribe/k*Unsubscribe: the connection's subscription count after it.
  int64_t count = 0;
};

// Recognises a pub/sub push. The views point into `reply`. Anything else (an
// error reply, a status, an array of another shape) is nullopt.
std::optional<PubSubPush> ParsePubSubPush(const redisReply& reply);

// A short, printable description of a reply for logs and errors (never the
// whole payload).
std::string DescribeReply(const redisReply& reply);

}  // namespace pubsub::internal::redis

#endif  // PUBSUB_RUNTIME_SRC_REDIS_RESP_H_
