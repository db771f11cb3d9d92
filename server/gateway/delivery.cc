#include "server/gateway/delivery.h"

#include <cstring>

#include "pubsub/internal/json_writer.h"
#include "server/websocket/frame_codec.h"

namespace pubsub::gateway {

void Frame::Begin(size_t reserve) {
  storage.clear();
  storage.reserve(kHeaderRoom + reserve);
  storage.resize(kHeaderRoom);
  offset = kHeaderRoom;
}

void Frame::Finish() {
  uint8_t header[ws::kMaxFrameHeaderBytes];
  const size_t header_size =
      ws::EncodeFrameHeader(ws::Opcode::kText, storage.size() - kHeaderRoom, header);
  offset = kHeaderRoom - header_size;
  std::memcpy(storage.data() + offset, header, header_size);
}

DeliveryPtr WrapForRecovery(const Delivery& plain) {
  auto wrapped = std::make_shared<Delivery>();
  wrapped->plain.storage = plain.plain.storage;  // the JSON to wrap
  wrapped->plain.offset = plain.plain.offset;
  wrapped->position = plain.position;
  BuildRecoveryFrame(*wrapped);
  wrapped->plain = Frame{};
  wrapped->channel_index = plain.channel_index;
  return wrapped;
}

void BuildRecoveryFrame(Delivery& delivery) {
  // The plain frame's payload: the event's JSON, after the header room.
  const std::string_view json = std::string_view(delivery.plain.storage).substr(Frame::kHeaderRoom);
  Frame& frame = delivery.recovery;
  frame.Begin(json.size() + 48);
  if (delivery.position) {
    frame.storage.append("{\"position\":\"");
    frame.storage.append(delivery.position->ToString());  // letters, digits, ':'
    frame.storage.append("\",\"event\":");
  } else {
    frame.storage.append("{\"event\":");
  }
  frame.storage.append(json);
  frame.storage.push_back('}');
  frame.Finish();
}

DeliveryPtr MakeRecoveryControl(bool recovered, const Position& position, std::string_view reason,
                                size_t channel_index) {
  auto delivery = std::make_shared<Delivery>();
  Frame& frame = delivery->recovery;
  frame.Begin(96 + reason.size());
  frame.storage.append("{\"control\":\"recovery\",\"recovered\":");
  frame.storage.append(recovered ? "true" : "false");
  if (!position.epoch.empty()) {
    frame.storage.append(",\"position\":\"");
    frame.storage.append(position.ToString());
    frame.storage.push_back('"');
  }
  if (!reason.empty()) {
    frame.storage.append(",\"reason\":");
    internal::JsonWriter writer(frame.storage);
    writer.String(reason);
  }
  frame.storage.push_back('}');
  frame.Finish();
  delivery->channel_index = channel_index;
  return delivery;
}

}  // namespace pubsub::gateway
