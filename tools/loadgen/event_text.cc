#include "tools/loadgen/event_text.h"

#include <time.h>

#include <algorithm>
#include <cstring>

namespace pubsub::loadgen {
namespace {

void WriteDigits(char* out, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

bool ReadDigits(const char* in, int width, uint64_t& value) {
  value = 0;
  for (int i = 0; i < width; ++i) {
    const unsigned digit = static_cast<unsigned char>(in[i]) - '0';
    if (digit > 9) return false;
    value = value * 10 + digit;
  }
  return true;
}

}  // namespace

int64_t NowUnixNanos() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::string MakeEventText(int64_t send_unix_nanos, uint64_t seq, size_t length) {
  std::string text(std::max(length, kMarkerBytes), 'x');
  text[0] = '~';
  text[1] = 'T';
  WriteDigits(text.data() + 2, static_cast<uint64_t>(send_unix_nanos), 19);
  text[21] = '~';
  WriteDigits(text.data() + 22, seq, 10);
  text[32] = '~';
  return text;
}

void RestampMarker(char* marker, int64_t send_unix_nanos) {
  WriteDigits(marker + 2, static_cast<uint64_t>(send_unix_nanos), 19);
}

bool ParseMarker(std::string_view payload, int64_t& send_unix_nanos, uint64_t& seq) {
  const void* found = memmem(payload.data(), payload.size(), "~T", 2);
  if (found == nullptr) return false;
  const size_t at = static_cast<const char*>(found) - payload.data();
  if (payload.size() - at < kMarkerBytes) return false;
  const char* p = payload.data() + at;
  uint64_t ns = 0;
  if (!ReadDigits(p + 2, 19, ns) || p[21] != '~' || !ReadDigits(p + 22, 10, seq) || p[32] != '~') {
    return false;
  }
  send_unix_nanos = static_cast<int64_t>(ns);
  return true;
}

}  // namespace pubsub::loadgen
