#include "redis/resp.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace pubsub::internal::redis {
namespace {

// hiredis's own object functions, with a guard on aggregate sizes: 0.14
// allocates `count` pointers as soon as it reads an array header (so
// "*2000000000\r\n" would allocate gigabytes) and mishandles negative counts
// other than -1. Returning nullptr makes the reader fail with an OOM error.
const redisReplyObjectFunctions& GuardedFunctions() {
  static const redisReplyObjectFunctions functions = [] {
    redisReader* probe = redisReaderCreate();
    redisReplyObjectFunctions copy = *probe->fn;
    redisReaderFree(probe);
    return copy;
  }();
  static redisReplyObjectFunctions guarded = [] {
    redisReplyObjectFunctions copy = functions;
    copy.createArray = [](const redisReadTask* task, int elements) -> void* {
      if (elements < 0 || elements > ReplyReader::kMaxElements) return nullptr;
      return functions.createArray(task, elements);
    };
    return copy;
  }();
  return guarded;
}

std::string_view View(const redisReply& reply) {
  return reply.str == nullptr ? std::string_view() : std::string_view(reply.str, reply.len);
}

bool IsString(const redisReply* reply) {
  return reply != nullptr && reply->type == REDIS_REPLY_STRING;
}

// A channel position: a bulk string, or nil for "no channel" (UNSUBSCRIBE
// with nothing subscribed).
bool IsChannel(const redisReply* reply) {
  return reply != nullptr && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_NIL);
}

std::string Printable(std::string_view bytes, size_t limit) {
  std::string out;
  for (char c : bytes.substr(0, limit)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

}  // namespace

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

void ReplyReader::ReaderDeleter::operator()(redisReader* reader) const { redisReaderFree(reader); }

ReplyReader::ReplyReader(size_t max_reply_bytes)
    : max_reply_bytes_(max_reply_bytes),
      reader_(redisReaderCreateWithFunctions(
          const_cast<redisReplyObjectFunctions*>(&GuardedFunctions()))) {
  if (reader_ == nullptr) error_ = absl::ResourceExhaustedError("cannot create a redis reader");
}

ReplyReader::~ReplyReader() = default;

absl::Status ReplyReader::Feed(std::string_view bytes) {
  if (!error_.ok()) return error_;
  if (bytes.empty()) return absl::OkStatus();
  if (redisReaderFeed(reader_.get(), bytes.data(), bytes.size()) != REDIS_OK) {
    error_ = absl::ResourceExhaustedError("redis reader: cannot buffer input");
  }
  fed_ += bytes.size();
  return error_;
}

absl::StatusOr<ReplyPtr> ReplyReader::Next() {
  if (!error_.ok()) return error_;
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    if (reader_->err == REDIS_ERR_OOM) {
      error_ = absl::InvalidArgumentError(
          "protocol error: an aggregate with a negative or too large element count");
    } else {
      error_ = absl::InvalidArgumentError(std::string("protocol error: ") + reader_->errstr);
    }
    return error_;
  }
  ReplyPtr reply(static_cast<redisReply*>(raw));
  // hiredis consumes an aggregate's elements as they arrive, so the bytes
  // still unparsed say nothing of the reply's size: count it from its start.
  const uint64_t consumed = fed_ - (reader_->len - reader_->pos);
  const uint64_t size = (reply != nullptr ? consumed : fed_) - reply_start_;
  if (size > max_reply_bytes_) {
    error_ = absl::InvalidArgumentError("protocol error: a reply larger than " +
                                        std::to_string(max_reply_bytes_) + " bytes");
    return error_;
  }
  if (reply != nullptr) reply_start_ = consumed;
  return reply;
}

void AppendCommand(std::string& out, std::span<const std::string_view> args) {
  std::vector<const char*> argv(args.size());
  std::vector<size_t> argvlen(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    argvlen[i] = args[i].size();
  }
  char* command = nullptr;
  const int length =
      redisFormatCommandArgv(&command, static_cast<int>(args.size()), argv.data(), argvlen.data());
  std::unique_ptr<char, decltype(&redisFreeCommand)> owned(command, &redisFreeCommand);
  if (length < 0 || command == nullptr) throw std::bad_alloc();  // hiredis's only failure
  out.append(command, static_cast<size_t>(length));
}

std::optional<PubSubPush> ParsePubSubPush(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 2 || !IsString(reply.element[0])) {
    return std::nullopt;
  }
  const std::string_view kind = View(*reply.element[0]);
  redisReply* const* e = reply.element;
  const size_t n = reply.elements;

  auto message = [&](PubSubPush::Kind k) -> std::optional<PubSubPush> {
    if (n != 3 || !IsString(e[1]) || !IsString(e[2])) return std::nullopt;
    PubSubPush push;
    push.kind = k;
    push.channel = View(*e[1]);
    push.payload = View(*e[2]);
    return push;
  };
  auto confirmation = [&](PubSubPush::Kind k, bool nil_channel_ok) -> std::optional<PubSubPush> {
    if (n != 3 || e[2] == nullptr || e[2]->type != REDIS_REPLY_INTEGER) return std::nullopt;
    if (!(nil_channel_ok ? IsChannel(e[1]) : IsString(e[1]))) return std::nullopt;
    PubSubPush push;
    push.kind = k;
    if (e[1]->type == REDIS_REPLY_STRING) push.channel = View(*e[1]);
    push.count = e[2]->integer;
    return push;
  };

  // Redis sends the kinds in lower case; compare exactly.
  using K = PubSubPush::Kind;
  if (kind == "message") return message(K::kMessage);
  if (kind == "smessage") return message(K::kSMessage);
  if (kind == "subscribe") return confirmation(K::kSubscribe, false);
  if (kind == "unsubscribe") return confirmation(K::kUnsubscribe, true);
  if (kind == "ssubscribe") return confirmation(K::kSSubscribe, false);
  if (kind == "sunsubscribe") return confirmation(K::kSUnsubscribe, true);
  if (kind == "psubscribe") return confirmation(K::kPSubscribe, false);
  if (kind == "punsubscribe") return confirmation(K::kPUnsubscribe, true);
  if (kind == "pmessage") {
    if (n != 4 || !IsString(e[1]) || !IsString(e[2]) || !IsString(e[3])) return std::nullopt;
    PubSubPush push;
    push.kind = K::kPMessage;
    push.pattern = View(*e[1]);
    push.channel = View(*e[2]);
    push.payload = View(*e[3]);
    return push;
  }
  if (kind == "pong") {
    if (n != 2 || !IsString(e[1])) return std::nullopt;
    PubSubPush push;
    push.kind = K::kPong;
    push.payload = View(*e[1]);
    return push;
  }
  return std::nullopt;
}

std::string DescribeReply(const redisReply& reply) {
  constexpr size_t kLimit = 120;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      return "\"" + Printable(View(reply), kLimit) + "\"";
    case REDIS_REPLY_STATUS:
      return "+" + Printable(View(reply), kLimit);
    case REDIS_REPLY_ERROR:
      return "-" + Printable(View(reply), kLimit);
    case REDIS_REPLY_INTEGER:
      return ":" + std::to_string(reply.integer);
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      const size_t shown = std::min<size_t>(reply.elements, 4);
      for (size_t i = 0; i < shown; ++i) {
        if (i > 0) out += ", ";
        out += reply.element[i] == nullptr ? "?" : DescribeReply(*reply.element[i]);
      }
      if (reply.elements > shown) out += ", ...";
      return out + "]";
    }
    default:
      return "reply of type " + std::to_string(reply.type);
  }
}

}  // namespace pubsub::internal::redis
