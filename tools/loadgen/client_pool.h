// ClientPool: many minimal WebSocket clients on a few Asio event loops.
//
// Why not Beast's websocket::stream: tens of thousands of clients must cost
// little memory and CPU, and these clients only do three things — upgrade,
// parse server frames (never masked) and answer pings (masked, as RFC 6455
// requires of clients). An idle client holds its socket and a few words: all
// clients of a loop read into that loop's one buffer, and only the bytes of a
// frame cut in two by a read stay with the client until the rest arrives.
//
//   ClientPool pool(config);
//   pool.Start();                           // connects in the background
//   while (!pool.ConnectDone()) sleep...;   // every client upgraded or failed
//   ... publish; pool.frames() counts deliveries ...
//   pool.Stop();
//   ClientPool::Results results = pool.Collect();
//
// Each client binds its source address (127.0.0.x, round robin) before
// connecting, with IP_BIND_ADDRESS_NO_PORT, so the ephemeral port is chosen
// per destination and N can exceed one address's port range.
//
// Threading: counters are atomics readable from any thread; Snapshot() and
// Collect() gather per-loop state (Collect only after Stop()).
#ifndef PUBSUB_TOOLS_LOADGEN_CLIENT_POOL_H_
#define PUBSUB_TOOLS_LOADGEN_CLIENT_POOL_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "tools/loadgen/histogram.h"

namespace pubsub::loadgen {

class ClientPool {
 public:
  struct Config {
    std::vector<boost::asio::ip::tcp::endpoint> gateways;  // client i -> gateways[i % size]
    std::vector<boost::asio::ip::address_v4> sources;      // client i -> sources[i % size]
    uint32_t clients = 0;
    uint32_t threads = 1;
    uint32_t connect_concurrency = 256;  // per thread
    double connect_timeout_seconds = 15;
    // Attempts per client when the gateway answers 503 (e.g. while its bus
    // is busy subscribing); later attempts wait for the next 250 ms sweep.
    uint32_t max_attempts = 20;
    // The request target (path and query) of client i, e.g. "/ws/broadcasts?user_id=u7".
    std::function<std::string(uint32_t index)> target;
    // Where client i connects first (an index into `gateways`); unset: i % size.
    std::function<size_t(uint32_t index)> gateway_of;
    // Clients speak the recovery protocol: the pool appends "&since=now" to
    // the target (on a reconnect, "&since=" the last position the client
    // received), reads each frame's position and the recovery control
    // frames, and checks that positions follow each other (no duplicate, no
    // gap). Control frames are not counted as event frames.
    bool recovery = false;
    // Also check that each client receives the loadgen's sequence numbers
    // one after the other (every event goes to every client: one topic).
    bool check_sequence = false;
  };

  // The recovery protocol's figures (Config::recovery), over all clients.
  struct RecoveryCounts {
    uint64_t controls = 0;         // {"control":"recovery",...} frames
    uint64_t not_recovered = 0;    // of which "recovered":false
    uint64_t positioned = 0;       // event frames with a position
    uint64_t unpositioned = 0;     // event frames without one
    uint64_t duplicates = 0;       // a position at or before the client's last
    uint64_t gaps = 0;             // a position past the next one, or another epoch
    uint64_t sequence_errors = 0;  // check_sequence: a loadgen seq not last + 1
    std::map<std::string, uint64_t> not_recovered_reasons;
  };

  // After Stop(): everything measured.
  struct Results {
    LatencyHistogram latency;                  // events from the measured sequence on
    std::vector<uint64_t> received_per_event;  // index: sequence number
    uint64_t frames = 0;                       // text/binary frames received
    uint64_t unmarked_frames = 0;              // frames without a loadgen marker
    uint64_t beyond_tracking = 0;              // sequence numbers too large to count per event
    uint64_t bytes = 0;
    uint64_t pings = 0;
    uint64_t retries = 0;  // upgrades refused with 503 and tried again
    int64_t first_frame_unix_nanos = 0;
    int64_t last_frame_unix_nanos = 0;
    std::map<std::string, uint64_t> failures;    // reason -> clients that never opened
    std::map<uint16_t, uint64_t> server_closes;  // close code -> clients closed by the server
    uint64_t dropped_without_close = 0;          // open clients whose TCP ended without close
  };

  // What one client saw (Config::recovery), for a reconnect storm.
  struct ClientState {
    bool open = false;
    std::string position;              // the last position it received ("EPOCH:SEQ")
    uint64_t last_seq = ~uint64_t{0};  // the last loadgen sequence number it received
    uint64_t events_since_reconnect = 0;
    uint64_t controls_since_reconnect = 0;
    bool recovered_since_reconnect = false;  // its last control said "recovered":true
    int64_t reconnected_nanos = 0;           // steady clock: its 101 after Reconnect
    int64_t done_nanos = 0;  // steady clock: it received the awaited sequence number
  };

  // Which clients are open right now.
  struct Snapshot {
    std::vector<uint8_t> open;  // by client index
    std::vector<uint64_t> open_per_gateway;
  };

  explicit ClientPool(Config config);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  void Start();
  // Closes every socket and joins the loops.
  void Stop();

  uint64_t connected() const;  // clients that received their 101 (ever)
  uint64_t failed() const;     // clients that never opened
  uint64_t closed() const;     // open clients that were closed since
  uint64_t frames() const;     // event frames received so far
  bool ConnectDone() const { return connected() + failed() >= config_.clients; }

  // Events with a sequence number below `seq` are counted but not put in
  // the latency histogram (warm-up).
  void MeasureFrom(uint64_t seq) { measure_from_.store(seq, std::memory_order_relaxed); }

  Snapshot TakeSnapshot();
  Results Collect();

  // --- Reconnect storms (Config::recovery) ---
  // Closes the open clients `which` selects (as a browser tab that goes
  // away: a close frame is not sent, the socket is just closed). Blocks until done.
  void Disconnect(const std::function<bool(uint32_t index)>& which);
  // Reconnects the closed clients `which` selects to gateways[gateway(index)],
  // each with "since=" its last position, at most `concurrency` handshakes in
  // flight per thread. A reconnected client is done when it receives the
  // event with loadgen sequence number `await_seq`.
  void Reconnect(const std::function<bool(uint32_t index)>& which,
                 const std::function<size_t(uint32_t index)>& gateway, uint32_t concurrency,
                 uint64_t await_seq);
  uint64_t reconnected() const;  // clients upgraded again since Reconnect
  uint64_t done() const;         // reconnected clients that received await_seq
  // Every client's state (blocks while the loops gather it).
  std::vector<ClientState> TakeClientStates();
  RecoveryCounts TakeRecoveryCounts();

 private:
  struct Client;
  struct Loop;

  Config config_;
  std::atomic<uint64_t> measure_from_{0};
  std::atomic<uint64_t> await_seq_{~uint64_t{0}};
  std::vector<std::unique_ptr<Loop>> loops_;
  bool stopped_ = false;
};

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_CLIENT_POOL_H_
