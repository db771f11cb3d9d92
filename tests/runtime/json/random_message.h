// Fills any protobuf message with random values through reflection, biased
// towards the edges a JSON writer gets wrong: integer limits, NaN, infinities,
// -0.0, denormals, empty and huge strings, control characters, quotes,
// U+2028/U+2029, 4-byte UTF-8, unknown enum numbers, empty repeated fields and
// maps, set-but-empty messages. Deterministic for a given seed.
#ifndef PUBSUB_TESTS_JSON_RANDOM_MESSAGE_H_
#define PUBSUB_TESTS_JSON_RANDOM_MESSAGE_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <random>
#include <string>

namespace pubsub_test {

class RandomMessageFiller {
 public:
  explicit RandomMessageFiller(uint64_t seed) : rng_(seed) {}

  // Clears `message` and fills it; nested messages stop at `max_depth`.
  void Fill(google::protobuf::Message& message, int max_depth = 3);

  // A random valid UTF-8 string with a bias towards the hard characters.
  std::string RandomUtf8();

 private:
  void FillMessage(google::protobuf::Message& message, int depth);
  void FillField(google::protobuf::Message& message, const google::protobuf::FieldDescriptor& field,
                 int depth);
  void FillValue(google::protobuf::Message& message, const google::protobuf::FieldDescriptor& field,
                 bool add, int depth);
  bool FillWellKnown(google::protobuf::Message& message);

  bool OneIn(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_) == 0; }
  int Below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  int64_t Int64();
  uint64_t UInt64();
  int32_t Int32();
  uint32_t UInt32();
  double Double();
  float Float();
  std::string Bytes();

  std::mt19937_64 rng_;
};

}  // namespace pubsub_test

#endif  // PUBSUB_TESTS_JSON_RANDOM_MESSAGE_H_
