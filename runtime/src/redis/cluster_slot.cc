// ClusterSlot: Redis Cluster's key hash slot (the cluster spec's HASH_SLOT):
// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0, no reflection, no
// final xor) of the key, or of its hash tag, modulo 16384.
#include <array>
#include <cstdint>
#include <string_view>

#include "pubsub/redis_cluster_bus.h"

namespace pubsub {
namespace {

constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    uint16_t crc = static_cast<uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
    }
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrc16Table = MakeCrc16Table();

constexpr uint16_t Crc16(std::string_view bytes) {
  uint16_t crc = 0;
  for (char c : bytes) {
    const auto byte = static_cast<uint8_t>(c);
    crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table[((crc >> 8) ^ byte) & 0xff]);
  }
  return crc;
}

static_assert(Crc16("123456789") == 0x31C3, "CRC16/XMODEM check value");

}  // namespace

uint16_t ClusterSlot(std::string_view key) {
  // The hash tag: between the first '{' and the first '}' after it, when that
  // is not empty ("{}" or no '}' at all: the whole key is hashed).
  if (const size_t open = key.find('{'); open != std::string_view::npos) {
    if (const size_t close = key.find('}', open + 1);
        close != std::string_view::npos && close != open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<uint16_t>(Crc16(key) & 16383);
}

}  // namespace pubsub
