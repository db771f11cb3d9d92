#include "tools/loadgen/client_pool.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "tools/loadgen/event_text.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace pubsub::loadgen {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// One read takes whatever the socket holds, up to this (frames larger than
// this grow the loop's buffer).
constexpr size_t kReadBufferBytes = 256 * 1024;
// Per-event counts are kept for sequence numbers below this.
constexpr uint64_t kMaxTrackedEvents = uint64_t{1} << 26;
// A server frame larger than this is a protocol error here.
constexpr uint64_t kMaxFrameBytes = uint64_t{64} << 20;
constexpr size_t kMaxHandshakeBytes = 16 * 1024;

enum class State : uint8_t { kWaiting, kConnecting, kUpgrading, kOpen, kClosed, kFailed };

uint64_t ReadBigEndian(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// A masked client frame (control frames only: payload <= 125 bytes).
std::string MaskedFrame(uint8_t opcode, const uint8_t* payload, size_t size) {
  static constexpr uint8_t kMask[4] = {0x5a, 0x17, 0xc3, 0x88};
  size = std::min<size_t>(size, 125);
  std::string frame;
  frame.reserve(6 + size);
  frame.push_back(static_cast<char>(0x80 | opcode));
  frame.push_back(static_cast<char>(0x80 | size));
  frame.append(reinterpret_cast<const char*>(kMask), 4);
  for (size_t i = 0; i < size; ++i) frame.push_back(static_cast<char>(payload[i] ^ kMask[i % 4]));
  return frame;
}

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

// "EPOCH:SEQ" -> its parts; false for anything else.
bool SplitPosition(std::string_view text, std::string_view& epoch, uint64_t& seq) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= text.size()) return false;
  epoch = text.substr(0, colon);
  seq = 0;
  for (char ch : text.substr(colon + 1)) {
    if (ch < '0' || ch > '9') return false;
    seq = seq * 10 + static_cast<uint64_t>(ch - '0');
  }
  return true;
}

// The string value after `key` (e.g. "\"position\":\"") up to the next quote.
std::string_view StringAfter(std::string_view payload, std::string_view key) {
  const size_t at = payload.find(key);
  if (at == std::string_view::npos) return {};
  const size_t start = at + key.size();
  const size_t end = payload.find('"', start);
  if (end == std::string_view::npos) return {};
  return payload.substr(start, end - start);
}

}  // namespace

struct ClientPool::Client {
  explicit Client(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  uint32_t index = 0;
  State state = State::kWaiting;
  bool writing = false;
  uint16_t attempts = 0;      // connection attempts so far
  uint16_t gateway = 0;       // index into Config::gateways
  bool reconnecting = false;  // since Reconnect, until it received the awaited event
  SteadyClock::time_point deadline;
  std::string carry;  // bytes of an incomplete handshake response or frame
  std::string out;    // the upgrade request or a control frame being written
  // Config::recovery only.
  std::string position;  // the last position received
  uint64_t last_seq = ~uint64_t{0};
  uint64_t events_since_reconnect = 0;
  uint64_t controls_since_reconnect = 0;
  bool recovered_since_reconnect = false;
  int64_t reconnected_nanos = 0;
  int64_t done_nanos = 0;
};

struct ClientPool::Loop {
  Loop(ClientPool& p, size_t i) : pool(p), id(i), timer(io), buffer(kReadBufferBytes) {}

  ClientPool& pool;
  const size_t id;
  asio::io_context io{1};
  asio::steady_timer timer;
  std::thread thread;
  std::vector<std::unique_ptr<Client>> clients;
  size_t next_to_connect = 0;
  uint32_t in_progress = 0;
  std::vector<Client*> retry_later;  // refused with 503: retried at the next sweep
  std::vector<Client*> retry_now;
  std::vector<uint8_t> buffer;
  std::vector<uint32_t> per_event;  // received count by sequence number
  uint32_t concurrency = 0;         // handshakes in flight at most (per thread)
  RecoveryCounts recovery;          // Config::recovery

  std::atomic<uint64_t> reconnected{0};
  std::atomic<uint64_t> done{0};

  std::atomic<uint64_t> connected{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> closed{0};
  std::atomic<uint64_t> frames{0};
  Results results;  // touched by the loop's thread only (until Collect)

  const Config& config() const { return pool.config_; }

  void ConnectMore() {
    while (in_progress < concurrency) {
      Client* c = nullptr;
      if (!retry_now.empty()) {
        c = retry_now.back();
        retry_now.pop_back();
      } else if (next_to_connect < clients.size()) {
        c = clients[next_to_connect++].get();
      } else {
        break;
      }
      ++in_progress;
      Connect(*c);
    }
  }

  void Connect(Client& c) {
    const Config& cfg = config();
    c.state = State::kConnecting;
    ++c.attempts;
    c.deadline =
        SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(cfg.connect_timeout_seconds));
    boost::system::error_code error;
    c.socket.open(tcp::v4(), error);
    if (error) return Fail(c, "socket: " + error.message());
    int one = 1;
    // Pick the source port at connect time, per destination: many more
    // connections per source address than its ephemeral port range.
    ::setsockopt(c.socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    c.socket.bind(tcp::endpoint(cfg.sources[c.index % cfg.sources.size()], 0), error);
    if (error) return Fail(c, "bind: " + error.message());
    c.socket.non_blocking(true, error);
    const tcp::endpoint& gateway = cfg.gateways[c.gateway];
    c.socket.async_connect(gateway, [this, &c](boost::system::error_code e) {
      OnConnect(c, e);
      ConnectMore();
    });
  }

  void OnConnect(Client& c, boost::system::error_code error) {
    if (c.state != State::kConnecting) return;
    if (error) return Fail(c, "connect: " + error.message());
    const tcp::endpoint& gateway = config().gateways[c.gateway];
    c.state = State::kUpgrading;
    std::string target = config().target(c.index);
    if (config().recovery) {
      target += target.find('?') == std::string::npos ? "?since=" : "&since=";
      target += c.position.empty() ? std::string("now") : c.position;
    }
    c.out = "GET " + target + " HTTP/1.1\r\nHost: " + gateway.address().to_string() + ":" +
            std::to_string(gateway.port()) +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    Write(c);
    WaitReadable(c);
  }

  void Write(Client& c) {
    c.writing = true;
    asio::async_write(c.socket, asio::buffer(c.out),
                      [this, &c](boost::system::error_code error, size_t) {
                        c.writing = false;
                        std::string().swap(c.out);
                        if (error && error != asio::error::operation_aborted) {
                          Lost(c, "write: " + error.message());
                          ConnectMore();
                        }
                      });
  }

  void WaitReadable(Client& c) {
    c.socket.async_wait(tcp::socket::wait_read, [this, &c](boost::system::error_code error) {
      OnReadable(c, error);
      ConnectMore();
    });
  }

  void OnReadable(Client& c, boost::system::error_code error) {
    if (c.state != State::kUpgrading && c.state != State::kOpen) return;
    if (error) return Lost(c, "wait: " + error.message());
    for (;;) {
      const size_t have = c.carry.size();
      if (buffer.size() < have + 64 * 1024) buffer.resize(have + kReadBufferBytes);
      const size_t room = buffer.size() - have;
      const size_t n = c.socket.read_some(asio::buffer(buffer.data() + have, room), error);
      if (error == asio::error::would_block || error == asio::error::try_again) {
        WaitReadable(c);
        return;
      }
      if (error) {
        return Lost(c, error == asio::error::eof ? "connection closed by the server"
                                                 : "read: " + error.message());
      }
      if (have > 0) {
        std::memcpy(buffer.data(), c.carry.data(), have);
        c.carry.clear();
        if (c.carry.capacity() > 4096) std::string().swap(c.carry);
      }
      if (!Consume(c, buffer.data(), have + n, NowUnixNanos())) return;
      if (n < room) {
        WaitReadable(c);
        return;
      }
    }
  }

  // Handles bytes from the server. False once the client has ended.
  bool Consume(Client& c, const uint8_t* data, size_t size, int64_t now) {
    size_t pos = 0;
    if (c.state == State::kUpgrading) {
      const void* end = memmem(data, size, "\r\n\r\n", 4);
      if (end == nullptr) {
        if (size > kMaxHandshakeBytes) {
          Fail(c, "handshake response too large");
          return false;
        }
        c.carry.assign(reinterpret_cast<const char*>(data), size);
        return true;
      }
      std::string_view head(reinterpret_cast<const char*>(data),
                            static_cast<const uint8_t*>(end) - data);
      if (!head.starts_with("HTTP/1.1 101")) {
        // The reason is in the (small, JSON) body when it came with the head.
        const size_t body_at = head.size() + 4;
        std::string body(reinterpret_cast<const char*>(data) + body_at,
                         std::min<size_t>(size - body_at, 120));
        const bool unavailable = head.starts_with("HTTP/1.1 503");
        if (unavailable && c.attempts < config().max_attempts) {
          // As a browser would: try again shortly.
          ++results.retries;
          c.state = State::kWaiting;
          --in_progress;
          Release(c);
          retry_later.push_back(&c);
          return false;
        }
        Fail(c, "refused: " + std::string(head.substr(0, head.find('\r'))) +
                    (body.empty() ? "" : " " + body));
        return false;
      }
      c.state = State::kOpen;
      connected.fetch_add(1, std::memory_order_relaxed);
      if (c.reconnecting) {
        c.reconnected_nanos = SteadyNanos();
        reconnected.fetch_add(1, std::memory_order_relaxed);
      }
      --in_progress;
      pos = head.size() + 4;
    }
    uint64_t events = 0;
    while (size - pos >= 2) {
      const uint8_t* frame = data + pos;
      const uint8_t opcode = frame[0] & 0x0f;
      uint64_t length = frame[1] & 0x7f;
      size_t header = 2;
      if (length == 126) {
        if (size - pos < 4) break;
        length = ReadBigEndian(frame + 2, 2);
        header = 4;
      } else if (length == 127) {
        if (size - pos < 10) break;
        length = ReadBigEndian(frame + 2, 8);
        header = 10;
      }
      if ((frame[1] & 0x80) != 0) {
        Lost(c, "protocol error: masked server frame");
        return false;
      }
      if (length > kMaxFrameBytes) {
        Lost(c, "protocol error: frame too large");
        return false;
      }
      if (size - pos < header + length) break;
      const uint8_t* payload = frame + header;
      switch (opcode) {
        case 0x0:
        case 0x1:
        case 0x2:
          if (OnEvent(c, std::string_view(reinterpret_cast<const char*>(payload), length), now)) {
            ++events;
          }
          break;
        case 0x9:  // ping: answer with a pong carrying the same payload
          ++results.pings;
          if (!c.writing) {
            c.out = MaskedFrame(0xA, payload, length);
            Write(c);
          }
          break;
        case 0xA:
          break;
        case 0x8: {
          const uint16_t code =
              length >= 2 ? static_cast<uint16_t>(ReadBigEndian(payload, 2)) : uint16_t{1005};
          ++results.server_closes[code];
          // Echo the close (best effort) and end.
          const std::string echo = MaskedFrame(0x8, payload, std::min<uint64_t>(length, 2));
          ::send(c.socket.native_handle(), echo.data(), echo.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
          End(c);
          return false;
        }
        default:
          Lost(c, "protocol error: unknown opcode");
          return false;
      }
      pos += header + length;
    }
    if (events > 0) {
      frames.fetch_add(events, std::memory_order_relaxed);
      results.frames += events;
      results.bytes += size;
      if (results.first_frame_unix_nanos == 0) results.first_frame_unix_nanos = now;
      results.last_frame_unix_nanos = now;
    }
    if (pos < size) c.carry.assign(reinterpret_cast<const char*>(data + pos), size - pos);
    return true;
  }

  // The recovery protocol's frames: positions and controls. False for a
  // control frame (not an event).
  bool OnRecoveryFrame(Client& c, std::string_view payload) {
    static constexpr std::string_view kControl = R"({"control":)";
    static constexpr std::string_view kPositioned = R"({"position":")";
    if (payload.starts_with(kControl)) {
      ++recovery.controls;
      const bool recovered = payload.find(R"("recovered":true)") != std::string_view::npos;
      if (!recovered) {
        ++recovery.not_recovered;
        std::string reason(StringAfter(payload, R"("reason":")"));
        ++recovery.not_recovered_reasons[reason.empty() ? "(none)" : reason];
      }
      // "recovered":true: the missed events follow, after the client's own
      // position, up to the control's; false: the client stands at the
      // control's position. A client without a position (since=now) starts
      // from the control's.
      const std::string_view position = StringAfter(payload, R"("position":")");
      if (!position.empty() && (!recovered || c.position.empty())) c.position.assign(position);
      if (c.reconnecting) {
        ++c.controls_since_reconnect;
        c.recovered_since_reconnect = recovered;
      }
      return false;
    }
    if (!payload.starts_with(kPositioned)) {
      ++recovery.unpositioned;
      return true;
    }
    ++recovery.positioned;
    const std::string_view position = StringAfter(payload, R"("position":")");
    std::string_view epoch;
    uint64_t seq = 0;
    std::string_view last_epoch;
    uint64_t last = 0;
    if (SplitPosition(position, epoch, seq) && !c.position.empty() &&
        SplitPosition(c.position, last_epoch, last)) {
      if (epoch != last_epoch) {
        ++recovery.gaps;
      } else if (seq <= last) {
        ++recovery.duplicates;
      } else if (seq != last + 1) {
        ++recovery.gaps;
      }
    }
    c.position.assign(position);
    return true;
  }

  // False for a frame that is not an event (a recovery control).
  bool OnEvent(Client& c, std::string_view payload, int64_t now) {
    if (config().recovery) {
      if (!OnRecoveryFrame(c, payload)) return false;
      if (c.reconnecting) ++c.events_since_reconnect;
    }
    int64_t sent = 0;
    uint64_t seq = 0;
    if (!ParseMarker(payload, sent, seq)) {
      ++results.unmarked_frames;
      return true;
    }
    if (config().check_sequence) {
      if (c.last_seq != ~uint64_t{0} && seq != c.last_seq + 1) ++recovery.sequence_errors;
      c.last_seq = seq;
    }
    if (c.reconnecting && seq == pool.await_seq_.load(std::memory_order_relaxed)) {
      c.reconnecting = false;
      c.done_nanos = SteadyNanos();
      done.fetch_add(1, std::memory_order_relaxed);
    }
    if (seq >= pool.measure_from_.load(std::memory_order_relaxed)) {
      results.latency.Record(now - sent);
    }
    if (seq >= kMaxTrackedEvents) {
      ++results.beyond_tracking;
      return true;
    }
    if (seq >= per_event.size()) {
      per_event.resize(
          std::min<uint64_t>(std::max<uint64_t>(seq + 1, per_event.size() * 2), kMaxTrackedEvents));
    }
    ++per_event[seq];
    return true;
  }

  void Fail(Client& c, std::string reason) {
    if (c.state != State::kConnecting && c.state != State::kUpgrading) return;
    c.state = State::kFailed;
    failed.fetch_add(1, std::memory_order_relaxed);
    ++results.failures[std::move(reason)];
    --in_progress;
    Release(c);
  }

  // The connection ended: a failure before the 101, a drop after it.
  void Lost(Client& c, std::string reason) {
    if (c.state == State::kOpen) {
      ++results.dropped_without_close;
      End(c);
    } else {
      Fail(c, std::move(reason));
    }
  }

  void End(Client& c) {
    if (c.state != State::kOpen) return;
    c.state = State::kClosed;
    closed.fetch_add(1, std::memory_order_relaxed);
    Release(c);
  }

  void Release(Client& c) {
    boost::system::error_code ignored;
    c.socket.close(ignored);
    std::string().swap(c.carry);
  }

  void ArmTimeouts() {
    timer.expires_after(std::chrono::milliseconds(250));
    timer.async_wait([this](boost::system::error_code error) {
      if (error) return;
      const auto now = SteadyClock::now();
      for (size_t i = 0; i < next_to_connect; ++i) {
        Client& c = *clients[i];
        if ((c.state == State::kConnecting || c.state == State::kUpgrading) && now > c.deadline) {
          Fail(c, "timeout: not upgraded within --connect-timeout");
        }
      }
      retry_now.insert(retry_now.end(), retry_later.begin(), retry_later.end());
      retry_later.clear();
      ConnectMore();
      if (next_to_connect < clients.size() || in_progress > 0 || !retry_now.empty()) {
        ArmTimeouts();
      }
    });
  }
};

ClientPool::ClientPool(Config config) : config_(std::move(config)) {
  for (size_t i = 0; i < config_.threads; ++i) {
    loops_.push_back(std::make_unique<Loop>(*this, i));
    loops_.back()->concurrency = config_.connect_concurrency;
  }
  for (uint32_t i = 0; i < config_.clients; ++i) {
    Loop& loop = *loops_[i % loops_.size()];
    auto client = std::make_unique<Client>(loop.io);
    client->index = i;
    client->gateway =
        static_cast<uint16_t>(config_.gateway_of ? config_.gateway_of(i) % config_.gateways.size()
                                                 : i % config_.gateways.size());
    loop.clients.push_back(std::move(client));
  }
}

ClientPool::~ClientPool() { Stop(); }

void ClientPool::Start() {
  for (auto& loop : loops_) {
    Loop* l = loop.get();
    asio::post(l->io, [l] {
      l->ConnectMore();
      l->ArmTimeouts();
    });
    l->thread = std::thread([l] {
      auto work = asio::make_work_guard(l->io);
      l->io.run();
    });
  }
}

void ClientPool::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& loop : loops_) loop->io.stop();
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
  for (auto& loop : loops_) {
    for (auto& client : loop->clients) {
      boost::system::error_code ignored;
      client->socket.close(ignored);
    }
  }
}

uint64_t ClientPool::connected() const {
  uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->connected.load(std::memory_order_relaxed);
  return n;
}
uint64_t ClientPool::failed() const {
  uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->failed.load(std::memory_order_relaxed);
  return n;
}
uint64_t ClientPool::closed() const {
  uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->closed.load(std::memory_order_relaxed);
  return n;
}
uint64_t ClientPool::frames() const {
  uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->frames.load(std::memory_order_relaxed);
  return n;
}

ClientPool::Snapshot ClientPool::TakeSnapshot() {
  Snapshot snapshot;
  snapshot.open.assign(config_.clients, 0);
  snapshot.open_per_gateway.assign(config_.gateways.size(), 0);
  std::vector<std::future<void>> done;
  for (auto& loop : loops_) {
    Loop* l = loop.get();
    auto task = std::make_shared<std::packaged_task<void()>>([l, &snapshot] {
      // Each loop writes only its own clients' entries.
      for (const auto& c : l->clients) snapshot.open[c->index] = c->state == State::kOpen;
    });
    done.push_back(task->get_future());
    if (stopped_) {
      (*task)();
    } else {
      asio::post(l->io, [task] { (*task)(); });
    }
  }
  for (auto& f : done) f.wait();
  for (auto& loop : loops_) {
    for (const auto& c : loop->clients) {
      if (snapshot.open[c->index]) ++snapshot.open_per_gateway[c->gateway];
    }
  }
  return snapshot;
}

namespace {
// Runs `task` on every loop (or here, once stopped) and waits for all.
template <typename Loops, typename Task>
void OnEveryLoop(Loops& loops, bool stopped, const Task& task) {
  std::vector<std::future<void>> done;
  for (auto& loop : loops) {
    auto* l = loop.get();
    auto job = std::make_shared<std::packaged_task<void()>>([l, &task] { task(*l); });
    done.push_back(job->get_future());
    if (stopped) {
      (*job)();
    } else {
      asio::post(l->io, [job] { (*job)(); });
    }
  }
  for (auto& f : done) f.wait();
}
}  // namespace

void ClientPool::Disconnect(const std::function<bool(uint32_t)>& which) {
  OnEveryLoop(loops_, stopped_, [&which](Loop& l) {
    for (auto& c : l.clients) {
      if (c->state == State::kOpen && which(c->index)) l.End(*c);
    }
  });
}

void ClientPool::Reconnect(const std::function<bool(uint32_t)>& which,
                           const std::function<size_t(uint32_t)>& gateway, uint32_t concurrency,
                           uint64_t await_seq) {
  await_seq_.store(await_seq, std::memory_order_relaxed);
  OnEveryLoop(loops_, stopped_, [&](Loop& l) {
    l.concurrency = std::max<uint32_t>(concurrency, 1);
    for (auto& c : l.clients) {
      if ((c->state != State::kClosed && c->state != State::kFailed) || !which(c->index)) continue;
      c->state = State::kWaiting;
      c->attempts = 0;
      c->gateway = static_cast<uint16_t>(gateway(c->index) % config_.gateways.size());
      c->reconnecting = true;
      c->events_since_reconnect = 0;
      c->controls_since_reconnect = 0;
      c->recovered_since_reconnect = false;
      c->reconnected_nanos = 0;
      c->done_nanos = 0;
      l.retry_now.push_back(c.get());
    }
    // Handshakes start in client order (retry_now is taken from the back).
    std::reverse(l.retry_now.begin(), l.retry_now.end());
    l.ConnectMore();
    l.ArmTimeouts();
  });
}

uint64_t ClientPool::reconnected() const {
  uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->reconnected.load(std::memory_order_relaxed);
  return n;
}

uint64_t ClientPool::done() const {
  uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->done.load(std::memory_order_relaxed);
  return n;
}

std::vector<ClientPool::ClientState> ClientPool::TakeClientStates() {
  std::vector<ClientState> states(config_.clients);
  OnEveryLoop(loops_, stopped_, [&states](Loop& l) {
    for (const auto& c : l.clients) {
      ClientState& s = states[c->index];
      s.open = c->state == State::kOpen;
      s.position = c->position;
      s.last_seq = c->last_seq;
      s.events_since_reconnect = c->events_since_reconnect;
      s.controls_since_reconnect = c->controls_since_reconnect;
      s.recovered_since_reconnect = c->recovered_since_reconnect;
      s.reconnected_nanos = c->reconnected_nanos;
      s.done_nanos = c->done_nanos;
    }
  });
  return states;
}

ClientPool::RecoveryCounts ClientPool::TakeRecoveryCounts() {
  std::vector<RecoveryCounts> each(loops_.size());
  OnEveryLoop(loops_, stopped_, [&each](Loop& l) { each[l.id] = l.recovery; });
  RecoveryCounts all;
  for (const RecoveryCounts& r : each) {
    all.controls += r.controls;
    all.not_recovered += r.not_recovered;
    all.positioned += r.positioned;
    all.unpositioned += r.unpositioned;
    all.duplicates += r.duplicates;
    all.gaps += r.gaps;
    all.sequence_errors += r.sequence_errors;
    for (const auto& [reason, n] : r.not_recovered_reasons) all.not_recovered_reasons[reason] += n;
  }
  return all;
}

ClientPool::Results ClientPool::Collect() {
  Stop();
  Results all;
  for (auto& loop : loops_) {
    Results& r = loop->results;
    all.latency.Merge(r.latency);
    if (all.received_per_event.size() < loop->per_event.size()) {
      all.received_per_event.resize(loop->per_event.size());
    }
    for (size_t i = 0; i < loop->per_event.size(); ++i) {
      all.received_per_event[i] += loop->per_event[i];
    }
    all.frames += r.frames;
    all.unmarked_frames += r.unmarked_frames;
    all.beyond_tracking += r.beyond_tracking;
    all.bytes += r.bytes;
    all.pings += r.pings;
    all.retries += r.retries;
    if (r.first_frame_unix_nanos != 0 && (all.first_frame_unix_nanos == 0 ||
                                          r.first_frame_unix_nanos < all.first_frame_unix_nanos)) {
      all.first_frame_unix_nanos = r.first_frame_unix_nanos;
    }
    all.last_frame_unix_nanos = std::max(all.last_frame_unix_nanos, r.last_frame_unix_nanos);
    for (const auto& [reason, n] : r.failures) all.failures[reason] += n;
    for (const auto& [code, n] : r.server_closes) all.server_closes[code] += n;
    all.dropped_without_close += r.dropped_without_close;
  }
  return all;
}

}  // namespace pubsub::loadgen
