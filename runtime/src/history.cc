#include "pubsub/history.h"

#include <charconv>
#include <random>

#include "pubsub/envelope.pb.h"

namespace pubsub {
namespace {

bool IsEpochText(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string Position::ToString() const { return epoch + ":" + std::to_string(seq); }

std::optional<Position> Position::Parse(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view epoch = text.substr(0, colon);
  const std::string_view digits = text.substr(colon + 1);
  if (!IsEpochText(epoch) || digits.empty() || digits.size() > 20) return std::nullopt;
  uint64_t seq = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return Position{std::string(epoch), seq};
}

namespace internal {

void AppendPosition(std::string& envelope, const Position& position) {
  Envelope fields;
  fields.set_epoch(position.epoch);
  fields.set_seq(position.seq);
  envelope.append(fields.SerializeAsString());
}

std::string NewEpoch() {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  thread_local std::mt19937_64 random(std::random_device{}());
  std::string epoch(16, '0');
  for (char& c : epoch) c = kAlphabet[random() % 36];
  return epoch;
}

}  // namespace internal
}  // namespace pubsub
