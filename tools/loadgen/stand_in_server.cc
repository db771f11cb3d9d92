#include "tools/loadgen/stand_in_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "tools/loadgen/event_factory.h"
#include "tools/loadgen/event_text.h"

namespace pubsub::loadgen {
namespace {

constexpr int kBatchFrames = 32;

std::string FrameOf(const std::string& json) {
  std::string frame;
  frame.push_back(static_cast<char>(0x81));
  if (json.size() < 126) {
    frame.push_back(static_cast<char>(json.size()));
  } else if (json.size() < 65536) {
    frame.push_back(static_cast<char>(126));
    frame.push_back(static_cast<char>(json.size() >> 8));
    frame.push_back(static_cast<char>(json.size() & 0xff));
  } else {
    frame.push_back(static_cast<char>(127));
    for (int i = 7; i >= 0; --i)
      frame.push_back(static_cast<char>((json.size() >> (8 * i)) & 0xff));
  }
  return frame + json;
}

}  // namespace

struct StandInServer::Conn {
  int fd = -1;
  bool open = false;    // 101 sent
  std::string request;  // until the upgrade request is complete
  size_t offset = 0;    // bytes of the current batch already sent
};

absl::StatusOr<std::unique_ptr<StandInServer>> StandInServer::Start(uint32_t payload_bytes) {
  std::unique_ptr<StandInServer> server(new StandInServer());
  server->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (server->listen_fd_ < 0 ||
      ::bind(server->listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(server->listen_fd_, 4096) != 0 ||
      ::getsockname(server->listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return absl::UnavailableError(absl::StrCat("stand-in server: ", std::strerror(errno)));
  }
  server->port_ = ntohs(address.sin_port);
  server->epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;  // the listener
  ::epoll_ctl(server->epoll_fd_, EPOLL_CTL_ADD, server->listen_fd_, &event);

  // The frames a gateway would send for the loadgen's new_broadcast events.
  Options options;
  options.kind = ChannelKind::kBroadcasts;
  options.payload_bytes = payload_bytes;
  EventFactory factory(options);
  server->single_ = FrameOf(factory.JsonBody(EventSpec{.seq = 0, .send_unix_nanos = 0}));
  server->single_marker_ = server->single_.find("~T");
  for (int i = 0; i < kBatchFrames; ++i) {
    const std::string& frame = server->single_;
    server->marker_offsets_.push_back(server->batch_.size() + frame.find("~T"));
    server->batch_ += frame;
  }
  server->thread_ = std::thread([s = server.get()] { s->Run(); });
  return server;
}

StandInServer::~StandInServer() {
  Stop();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

double StandInServer::SenderCpuSeconds() const {
  clockid_t clock;
  // The thread runs until Stop(); pthread_getcpuclockid needs it alive.
  if (!thread_.joinable() ||
      pthread_getcpuclockid(const_cast<std::thread&>(thread_).native_handle(), &clock) != 0) {
    return 0;
  }
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void StandInServer::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void StandInServer::Run() {
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<Conn*> open;
  static constexpr char kResponse[] =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  epoll_event events[256];
  char buffer[4096];
  int64_t next_round = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    const bool blasting = blasting_.load(std::memory_order_relaxed);
    const double rounds = rounds_per_second_.load(std::memory_order_relaxed);
    // Paced: sleep until the next round is due (one wake-up per round, as a
    // gateway wakes per event), so the sender's CPU is its sends' alone.
    int timeout = 20;
    if (blasting) {
      timeout = 0;
      if (rounds > 0 && next_round != 0) {
        const int64_t wait_ns = next_round - NowUnixNanos();
        timeout = wait_ns > 0 ? static_cast<int>((wait_ns + 999'999) / 1'000'000) : 0;
      }
    }
    const int n = ::epoll_wait(epoll_fd_, events, 256, timeout);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        for (;;) {
          const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          auto conn = std::make_unique<Conn>();
          conn->fd = fd;
          epoll_event event{};
          event.events = EPOLLIN;
          event.data.ptr = conn.get();
          ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
          conns.push_back(std::move(conn));
        }
        continue;
      }
      Conn& c = *static_cast<Conn*>(events[i].data.ptr);
      const ssize_t got = ::recv(c.fd, buffer, sizeof(buffer), 0);
      if (got <= 0) {
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
        continue;
      }
      if (c.open) continue;  // pongs and the like: ignored
      c.request.append(buffer, static_cast<size_t>(got));
      if (c.request.find("\r\n\r\n") != std::string::npos) {
        ::send(c.fd, kResponse, sizeof(kResponse) - 1, MSG_NOSIGNAL);
        c.open = true;
        std::string().swap(c.request);
        open.push_back(&c);
      }
    }
    if (!blasting) {
      next_round = 0;
      continue;
    }
    const int64_t now = NowUnixNanos();
    if (rounds > 0) {
      // Paced: one frame to every client per round.
      if (next_round == 0) next_round = now;
      if (now < next_round) continue;
      next_round += static_cast<int64_t>(1e9 / rounds);
      RestampMarker(single_.data() + single_marker_, NowUnixNanos());
      for (Conn* c : open) {
        if (::send(c->fd, single_.data(), single_.size(), MSG_DONTWAIT | MSG_NOSIGNAL) ==
            static_cast<ssize_t>(single_.size())) {
          frames_sent_.fetch_add(1, std::memory_order_relaxed);
        }
      }
      continue;
    }
    // One round: every open client gets the rest of its batch, restamped.
    for (size_t offset : marker_offsets_) RestampMarker(batch_.data() + offset, now);
    const size_t frame_bytes = batch_.size() / kBatchFrames;
    for (Conn* c : open) {
      const ssize_t sent = ::send(c->fd, batch_.data() + c->offset, batch_.size() - c->offset,
                                  MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent <= 0) continue;
      const size_t before = c->offset / frame_bytes;
      c->offset += static_cast<size_t>(sent);
      const size_t after = c->offset / frame_bytes;
      frames_sent_.fetch_add(after - before, std::memory_order_relaxed);
      if (c->offset == batch_.size()) c->offset = 0;
    }
  }
  for (auto& c : conns) ::close(c->fd);
}

}  // namespace pubsub::loadgen
