// ClusterSlot: Redis Cluster's key hash slot (CRC16-CCITT/XMODEM mod 16384 of
// the key, or of its hash tag).
#include <cstdint>
#include <string_view>

#include "pubsub/redis_cluster_bus.h"

namespace pubsub {
namespace {

uint16_t Crc16(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char c : data) {
    crc ^= static_cast<uint16_t>(c) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

}  // namespace

uint16_t ClusterSlot(std::string_view key) {
  const size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return Crc16(key) & 0x3fff;
}

}  // namespace pubsub
