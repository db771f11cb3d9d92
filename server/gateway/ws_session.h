// WsSession: one browser's WebSocket, after the HTTP upgrade was accepted.
//
// Life: Start() joins the socket's topic in the hub; once the topic is
// subscribed on the bus, the 101 response (bytes the HTTP layer composed)
// goes out as the first bytes of the send queue, so an event published after
// the client sees the connection open reaches it (and nothing is lost between
// subscribe and 101). If the bus cannot subscribe, the session hands the
// socket back to the HTTP layer, which answers 503: this class writes no HTTP.
//
// Sending: events arrive as shared, pre-rendered frames (Deliver). They wait
// in a bounded queue (bytes and frames). Deliver never writes: once per loop
// turn the loop flushes every socket that was handed frames, copying each
// socket's waiting frames into the loop's scratch buffer and sending them
// with ONE non-blocking send (corking: the frames of every event delivered in
// that turn leave together). Only what the kernel does not take is copied
// into the session and written asynchronously. A client whose queue would
// overflow is a slow consumer: its queue is dropped, it gets close 1013
// "slow consumer", and its TCP connection is dropped if even that cannot be
// written within the close timeout. Nothing it does slows other sockets.
//
// Control frames are bounded like events: a pong answers only the latest
// ping not yet answered (RFC 6455 5.5.3), so at most one pong and one ping
// wait, and they count against the queue's bytes and frames. While the socket
// does not take what we write, the client is not read either: a client that
// sends pings and never reads stops being heard from and is closed by the
// idle timeout, instead of making the gateway queue pongs.
//
// Receiving: client messages are read and ignored (as in the seed); pings are
// answered; a close is answered and the socket closed. While idle, a session
// holds no read buffer: it waits for readability, then reads into the loop's
// shared buffer.
//
// Recovery (?since=...): a client that opted in receives the recovery
// protocol's frames (delivery.h). After the 101 its first frame says whether
// it recovered ({"control":"recovery",...}), then come the events it missed,
// then live events; events that arrive while the hub looks up what was
// missed are held (within the send queue's bounds) and duplicates are
// dropped by position, so there is no gap and nothing twice. What was missed
// can be more than the send queue holds: it is paced into the queue as the
// client reads (Refill), live events staying held until it has all gone out.
//
// Every handler runs under the last-resort guard (fault_guard.h): an
// exception closes this connection only.
//
// Threading: everything runs on the session's loop. The hub and the loop's
// session table hold raw pointers; Finish() removes them before the last
// reference goes away.
#ifndef PUBSUB_SERVER_GATEWAY_WS_SESSION_H_
#define PUBSUB_SERVER_GATEWAY_WS_SESSION_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/auth/jwt.h"
#include "server/gateway/admission.h"
#include "server/gateway/gateway_context.h"
#include "server/gateway/hub.h"
#include "server/gateway/topic_history.h"
#include "server/websocket/frame_codec.h"
#include "server/websocket/frame_reader.h"

namespace pubsub::gateway {

class WsSession final : public Recipient, public std::enable_shared_from_this<WsSession> {
 public:
  // `admitted` says who and where, and holds the 101 response; `leftover`
  // holds bytes the client sent after its upgrade request (its first frames).
  WsSession(GatewayContext& context, size_t loop, boost::asio::ip::tcp::socket socket,
            Admitted admitted, std::string leftover);
  ~WsSession() override;

  // Gives the socket back when the topic cannot be subscribed (the HTTP
  // layer answers 503 with `why`). Dropped, uncalled, once the 101 is queued.
  using HandBack = std::function<void(boost::asio::ip::tcp::socket socket, absl::Status why)>;
  void Start(HandBack refused);

  // Recipient: queues a frame, or closes the session as a slow consumer.
  const std::string& user_id() const override { return identity_.user_id; }
  bool SeesEveryTarget() const override { return tail_; }
  void Deliver(const DeliveryPtr& delivery) override;
  // Recipient: closes with `code` after flushing what is queued.
  void Shed(uint16_t code, std::string_view reason) override;

  // Sends what is queued, then a close frame with `code`; the connection is
  // dropped if that does not complete within the close timeout.
  void Close(uint16_t code, std::string_view reason);
  // Drops the connection now, without a close frame. Not from within Deliver.
  void Abort();

  // Keep-alive sweep, every second from the loop: pings a quiet client and
  // drops one that has not been heard from within the idle timeout.
  void Sweep(std::chrono::steady_clock::time_point now);

  size_t table_index = 0;  // position in the loop's LoopSessions

 private:
  enum class State { kJoining, kOpen, kClosing, kFinished };

  void OnJoined(absl::Status status);
  void OnRecovered(TopicHistory::Recovery recovery);
  // While recovering: moves missed, then held, events into the send queue
  // while it is under half its bounds; ends the recovery when none is left.
  void Refill();
  // Forgets the recovery's missed and held events (the session closes).
  void DropRecovery();
  // Per event type metrics: a frame handed to the socket; the events still
  // waiting (queue, held, missed) when they will never be sent.
  void CountWritten(const Delivery& delivery, int64_t now_ns);
  void CountDropped(DropReason reason, bool queue_too);
  // Queues a frame (bounded: a full queue closes the client as a slow
  // consumer) and schedules the flush. False when the session closed.
  bool Queue(const DeliveryPtr& delivery);
  std::string_view FrameOf(const DeliveryPtr& delivery) const {
    return delivery->FrameFor(recovery_protocol_);
  }
  // Whether a delivery at `position` was already sent (recovery protocol).
  bool AlreadySent(const Position& position) const {
    return position.epoch == sent_.epoch && position.seq <= sent_.seq;
  }
  void HandBackSocket(const absl::Status& status);
  void WaitReadable();
  void OnReadable(boost::system::error_code error);
  bool HandleInput(uint8_t* data, size_t size);
  void CloseSlowConsumer();
  void QueuePong(std::string_view payload);
  void QueuePing();
  // Moves the waiting control frames into `out` (and out of the accounting).
  void TakeControl(std::string& out);
  void StartClose(uint16_t code, std::string_view reason, bool drop_queue);
  void MaybeWrite();
  void OnWrite(boost::system::error_code error, size_t bytes);
  void ArmCloseTimer();
  void Finish();
  template <class F>
  void Guarded(F&& handler);

  // What a delivery and the loop's flush touch comes first, within the
  // first Recipient::kHotBytes of the object, so that the hub and the flush
  // can prefetch it for the next sockets while the current one is written
  // (at moderate rates every socket is cold by the time its event comes).
  GatewayContext& context_;
  const size_t loop_;
  State state_ = State::kJoining;
  // The recovery protocol: the client opted in; its position. Until the
  // hub's answer and everything it missed are queued, live deliveries are
  // held (counted in the queue's bounds); sent_ is the last position queued.
  const bool recovery_protocol_;
  const bool tail_;  // an admin's tail (admission.h)
  bool recovering_;
  bool writing_ = false;
  bool in_flush_list_ = false;  // waits in this loop's flush list (ws_session.cc)
  bool ping_due_ = false;       // a keep-alive ping waits
  size_t queued_bytes_ = 0;     // queue_ + in_flight_
  // Send queue. queue_ waits for the next write; in_flight_ is being written.
  std::vector<DeliveryPtr> queue_;
  std::string opening_;  // the 101 response, until written
  std::string pong_;     // the pong waiting, if any (for the latest ping)
  boost::asio::ip::tcp::socket socket_;

  auth::Identity identity_;
  const ChannelInfo& channel_;
  const size_t channel_index_;
  std::string topic_name_;
  Hub::TopicPtr topic_;
  std::optional<Position> since_;
  bool answered_ = false;
  std::vector<DeliveryPtr> missed_;  // shared with the hub's tail: not counted
  size_t missed_next_ = 0;
  std::deque<DeliveryPtr> held_;
  size_t held_bytes_ = 0;
  Position sent_;
  HandBack refused_;      // until the 101 is queued
  std::string leftover_;  // client bytes read with the upgrade request
  ws::FrameReader reader_;

  std::vector<DeliveryPtr> in_flight_;
  std::string control_in_flight_;  // control frames being written
  std::string close_frame_;        // written after the queue, then the socket closes
  bool close_sent_ = false;
  bool peer_closed_ = false;  // the client sent its close frame
  bool counted_ = false;      // counted in metrics and presence
  bool read_paused_ = false;  // not reading while the socket does not take our writes
  std::vector<boost::asio::const_buffer> buffers_;

  std::chrono::steady_clock::time_point last_heard_;
  std::chrono::steady_clock::time_point last_ping_;
  std::unique_ptr<boost::asio::steady_timer> close_timer_;  // only while closing
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_WS_SESSION_H_
