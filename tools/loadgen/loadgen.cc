#include "tools/loadgen/loadgen.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "tools/loadgen/client_pool.h"
#include "tools/loadgen/event_factory.h"
#include "tools/loadgen/event_text.h"
#include "tools/loadgen/proc_stats.h"
#include "tools/loadgen/publish_path.h"
#include "tools/loadgen/stand_in_server.h"

namespace pubsub::loadgen {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

const char* ViaName(PublishVia via) {
  switch (via) {
    case PublishVia::kRedis:
      return "redis";
    case PublishVia::kHttp:
      return "http";
    case PublishVia::kGrpc:
      return "grpc";
    case PublishVia::kNone:
      break;
  }
  return "none";
}

std::vector<ProcSample> SampleAll(const std::vector<int>& pids) {
  std::vector<ProcSample> samples;
  for (int pid : pids) samples.push_back(SampleProcess(pid));
  return samples;
}

double CpuOf(const std::vector<ProcSample>& samples) {
  double total = 0;
  for (const auto& s : samples) total += s.cpu_seconds;
  return total;
}

// Once-a-second progress lines on stderr.
class Progress {
 public:
  Progress(const Options& options, std::ostream& out, ClientPool& pool)
      : options_(options), out_(out), pool_(pool), start_(Clock::now()), next_(start_) {}

  // Prints a line if a second has passed since the last one.
  void Tick(std::string_view phase, uint64_t published = 0, uint64_t expected = 0) {
    const auto now = Clock::now();
    if (options_.quiet || now < next_) return;
    next_ += std::chrono::seconds(1);
    if (next_ < now) next_ = now + std::chrono::seconds(1);
    const uint64_t frames = pool_.frames();
    const double dt = last_ == Clock::time_point() ? 1.0 : Seconds(now - last_);
    std::string line = absl::StrFormat("[%6.1fs] %-10s connected %d/%u", Seconds(now - start_),
                                       phase, pool_.connected() - pool_.closed(), options_.clients);
    if (pool_.failed() > 0) absl::StrAppend(&line, " failed ", pool_.failed());
    if (published > 0) {
      absl::StrAppendFormat(&line, " | published %d (%.0f/s)", published,
                            (published - last_published_) / dt);
    }
    if (published > 0 || frames > 0) {
      absl::StrAppendFormat(&line, " | delivered %d (%.0f/s)", frames,
                            (frames - last_frames_) / dt);
      if (expected > frames) absl::StrAppend(&line, " backlog ", expected - frames);
    }
    if (!options_.gateway_pids.empty()) {
      const auto samples = SampleAll(options_.gateway_pids);
      uint64_t rss = 0;
      for (const auto& s : samples) rss += s.rss_kib;
      const double cpu = CpuOf(samples);
      if (last_ != Clock::time_point()) {
        absl::StrAppendFormat(&line, " | gateway RSS %.1f MiB CPU %.0f%%", rss / 1024.0,
                              100.0 * (cpu - last_cpu_) / dt);
      }
      last_cpu_ = cpu;
    }
    out_ << line << std::endl;
    last_ = now;
    last_frames_ = frames;
    last_published_ = published;
  }

 private:
  const Options& options_;
  std::ostream& out_;
  ClientPool& pool_;
  const Clock::time_point start_;
  Clock::time_point next_;
  Clock::time_point last_;
  uint64_t last_frames_ = 0;
  uint64_t last_published_ = 0;
  double last_cpu_ = 0;
};

// What the publisher thread leaves behind.
struct PublishOutcome {
  std::vector<uint32_t> expected;  // recipients of event seq
  int64_t first_send_unix_nanos = 0;
  Clock::time_point start;
  Clock::time_point end;
  bool stalled = false;
};

// Who receives an event: the open clients of its scope or user, or all.
class Audience {
 public:
  Audience(const Options& o, const ClientPool::Snapshot& snapshot)
      : options_(o), open_(snapshot.open) {
    per_scope_.assign(o.scopes, 0);
    for (uint32_t i = 0; i < o.clients; ++i) {
      if (!open_[i]) continue;
      ++total_;
      ++per_scope_[(o.client_offset + i) % o.scopes];
    }
  }
  uint32_t Expected(const EventSpec& e) const {
    switch (options_.kind) {
      case ChannelKind::kBroadcasts:
        return total_;
      case ChannelKind::kComments:
      case ChannelKind::kForum:
        return per_scope_[e.scope];
      case ChannelKind::kPersonal: {
        const size_t i = e.user - options_.client_offset;
        return i < open_.size() ? open_[i] : 0;
      }
    }
    return 0;
  }
  double Mean() const {
    switch (options_.kind) {
      case ChannelKind::kBroadcasts:
        return total_;
      case ChannelKind::kComments:
      case ChannelKind::kForum:
        return static_cast<double>(total_) / options_.scopes;
      case ChannelKind::kPersonal:
        return 1;
    }
    return 1;
  }

 private:
  const Options& options_;
  const std::vector<uint8_t>& open_;
  std::vector<uint32_t> per_scope_;
  uint32_t total_ = 0;
};

void Publish(const Options& o, PublishPath& path, ClientPool& pool, const Audience& audience,
             std::atomic<uint64_t>& published, std::atomic<uint64_t>& expected_total,
             PublishOutcome& outcome) {
  std::mt19937_64 rng(0x5eed + o.client_offset);
  const double max_backlog = std::max(1.0, o.window * audience.Mean());
  outcome.expected.reserve(o.rate_max ? 1 << 16
                                      : static_cast<size_t>(o.rate * o.duration_seconds) + 16);
  outcome.start = Clock::now();
  const auto duration = std::chrono::duration<double>(o.duration_seconds);
  bool measuring = o.warmup_seconds <= 0;
  uint64_t seq = 0;
  uint64_t last_frames = 0;
  auto last_progress = outcome.start;
  for (;;) {
    const auto now = Clock::now();
    const auto elapsed = now - outcome.start;
    if (elapsed >= duration) break;
    if (!measuring && Seconds(elapsed) >= o.warmup_seconds) {
      pool.MeasureFrom(seq);
      measuring = true;
    }
    if (o.rate_max) {
      // Closed loop: keep about `window` events in flight end to end.
      const uint64_t frames = pool.frames();
      const uint64_t want = expected_total.load(std::memory_order_relaxed);
      if (want > frames && static_cast<double>(want - frames) >= max_backlog) {
        if (frames != last_frames) {
          last_frames = frames;
          last_progress = now;
        } else if (now - last_progress > std::chrono::seconds(2)) {
          outcome.stalled = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        continue;
      }
      last_progress = now;
    } else {
      // Open loop: event k is due at k / rate.
      const auto due = outcome.start + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(seq / o.rate));
      if (now < due) {
        std::this_thread::sleep_until(std::min(due, now + std::chrono::milliseconds(1)));
        continue;
      }
    }
    EventSpec event;
    event.seq = seq;
    event.scope = static_cast<uint32_t>(rng() % o.scopes);
    event.user = o.client_offset + static_cast<uint32_t>(rng() % std::max<uint32_t>(o.clients, 1));
    const uint32_t recipients = audience.Expected(event);
    outcome.expected.push_back(recipients);
    expected_total.fetch_add(recipients, std::memory_order_relaxed);
    event.send_unix_nanos = NowUnixNanos();
    if (seq == 0) outcome.first_send_unix_nanos = event.send_unix_nanos;
    path.Send(event);
    published.store(++seq, std::memory_order_relaxed);
  }
  outcome.end = Clock::now();
}

}  // namespace

absl::StatusOr<Report> RunLoadgen(const Options& o, std::ostream& progress_out) {
  Report r;
  r.label = o.label;
  r.path = o.path;
  r.publish_via = o.ceiling ? "stand-in" : ViaName(o.via);
  r.clients = o.clients;
  r.gateway_urls = static_cast<uint32_t>(o.gateways.size());
  r.scopes = o.scopes;
  r.rate = o.rate_max ? "max" : absl::StrFormat("%g", o.rate);
  r.duration_seconds = o.duration_seconds;
  r.payload_bytes = o.payload_bytes;
  r.threads = o.threads;
  r.ceiling = o.ceiling;
  r.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  double load_average[1] = {0};
  if (getloadavg(load_average, 1) == 1) r.load_average_1m = load_average[0];

  // Every client is a socket; in --ceiling mode the stand-in's end is one too.
  const uint64_t limit = RaiseOpenFileLimit();
  const uint64_t needed =
      uint64_t{o.clients} * (o.ceiling ? 2 : 1) + kReservedFiles + o.publish_connections;
  if (needed > limit) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "--clients %u needs %u file descriptors%s, but this process may open at most %u "
        "(RLIMIT_NOFILE; %u are kept for other uses). Run several pubsub-loadgen processes with "
        "disjoint --client-offset ranges (bench/run_scenarios.sh does), each with at most %u "
        "clients.",
        o.clients, uint64_t{o.clients} * (o.ceiling ? 2 : 1),
        o.ceiling ? " (clients plus the built-in sender's ends)" : "", limit,
        kReservedFiles + o.publish_connections,
        (limit - kReservedFiles - o.publish_connections) / (o.ceiling ? 2 : 1)));
  }

  std::unique_ptr<StandInServer> stand_in;
  ClientPool::Config config;
  if (o.ceiling) {
    auto started = StandInServer::Start(o.payload_bytes);
    if (!started.ok()) return started.status();
    stand_in = *std::move(started);
    config.gateways.emplace_back(asio::ip::make_address_v4("127.0.0.1"), stand_in->port());
  } else {
    for (const auto& g : o.gateways) {
      boost::system::error_code error;
      auto address = asio::ip::make_address_v4(g.host, error);
      if (error) return absl::InvalidArgumentError("--url: not an IPv4 address: " + g.host);
      config.gateways.emplace_back(address, g.port);
    }
  }
  for (uint32_t i = 0; i < o.source_addresses; ++i) {
    config.sources.push_back(asio::ip::address_v4((127u << 24) | (i + 1)));
  }
  config.clients = o.clients;
  config.threads = o.threads;
  config.connect_concurrency = o.connect_concurrency;
  config.connect_timeout_seconds = o.connect_timeout_seconds;
  config.max_attempts = std::max<uint32_t>(o.max_attempts, 1);
  config.recovery = o.since_now;
  config.target = [&o](uint32_t i) {
    const uint32_t global = o.client_offset + i;
    std::string path =
        absl::StrReplaceAll(o.path, {{"{scope}", std::to_string(global % o.scopes)}});
    return absl::StrCat(path, "?user_id=", UserId(global));
  };

  // Before: the gateways' baseline.
  const std::vector<ProcSample> before = SampleAll(o.gateway_pids);
  r.tcp_memory_kib_before = TcpSocketMemoryKib();

  ClientPool pool(config);
  Progress progress(o, progress_out, pool);
  const auto connect_start = Clock::now();
  pool.Start();
  while (!pool.ConnectDone()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    progress.Tick("connecting");
  }
  r.connect_seconds = Seconds(Clock::now() - connect_start);
  r.connected = pool.connected();
  r.failed = pool.failed();
  if (r.failed > 0 && !o.allow_refused) {
    r.ok = false;
    r.error = absl::StrCat(r.failed, " of ", o.clients,
                           " clients could not connect (see failures; --allow-refused goes on)");
  }

  const auto hold_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.hold_seconds));
  while (Clock::now() < hold_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    progress.Tick("holding");
  }
  const ClientPool::Snapshot snapshot = pool.TakeSnapshot();
  const std::vector<ProcSample> idle = SampleAll(o.gateway_pids);
  r.tcp_memory_kib_idle = TcpSocketMemoryKib();

  std::vector<ProcSample> load = idle;
  std::vector<ProcSample> cpu_before = idle;
  std::vector<ProcSample> cpu_after = idle;
  double redis_cpu_before = CpuOf(SampleAll(o.redis_pids));
  double redis_cpu_after = redis_cpu_before;
  double self_cpu_before = SelfCpuSeconds();
  PublishOutcome outcome;
  std::unique_ptr<PublishPath> path;
  uint64_t frames_at_end = 0;

  if (o.ceiling && r.ok) {
    cpu_before = SampleAll(o.gateway_pids);
    self_cpu_before = SelfCpuSeconds();
    outcome.start = Clock::now();
    outcome.first_send_unix_nanos = NowUnixNanos();
    const uint64_t frames_before = pool.frames();
    const uint64_t sent_before = stand_in->frames_sent();
    const double sender_cpu_before = stand_in->SenderCpuSeconds();
    stand_in->Blast(true, o.rate);
    const auto end = outcome.start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(o.duration_seconds));
    while (Clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      progress.Tick("blasting", 0, 0);
    }
    if (o.rate > 0) {
      // Paced: let the last round arrive.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    frames_at_end = pool.frames() - frames_before;
    r.stand_in_cpu_seconds = stand_in->SenderCpuSeconds() - sender_cpu_before;
    r.stand_in_frames_in_window = stand_in->frames_sent() - sent_before;
    outcome.end = Clock::now();
    stand_in->Blast(false);
    r.stand_in_frames_sent = stand_in->frames_sent();
    if (r.stand_in_frames_in_window > 0) {
      r.stand_in_cpu_us_per_frame = r.stand_in_cpu_seconds * 1e6 / r.stand_in_frames_in_window;
    }
  } else if (o.via != PublishVia::kNone && r.ok) {
    EventFactory factory(o);
    auto made = MakePublishPath(o, factory);
    if (!made.ok()) return made.status();
    path = *std::move(made);
    if (auto status = path->Start(); !status.ok()) {
      pool.Stop();
      return status;
    }
    Audience audience(o, snapshot);
    std::atomic<uint64_t> published{0};
    std::atomic<uint64_t> expected_total{0};
    cpu_before = SampleAll(o.gateway_pids);
    redis_cpu_before = CpuOf(SampleAll(o.redis_pids));
    self_cpu_before = SelfCpuSeconds();
    std::atomic<bool> publishing{true};
    std::thread publisher([&] {
      Publish(o, *path, pool, audience, published, expected_total, outcome);
      publishing.store(false);
    });
    while (publishing.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      progress.Tick("publishing", published.load(), expected_total.load());
    }
    publisher.join();
    load = SampleAll(o.gateway_pids);
    // Drain: until everything expected arrived, nothing arrived for a second,
    // or --drain passed.
    const auto drain_start = Clock::now();
    uint64_t last_frames = pool.frames();
    auto last_change = drain_start;
    const auto drain_limit = std::chrono::duration<double>(o.drain_seconds);
    for (;;) {
      const auto now = Clock::now();
      const uint64_t frames = pool.frames();
      if (frames >= expected_total.load()) break;
      if (frames != last_frames) {
        last_frames = frames;
        last_change = now;
      }
      if (now - drain_start >= drain_limit || now - last_change >= std::chrono::seconds(1)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      progress.Tick("draining", published.load(), expected_total.load());
    }
    path->Finish(std::chrono::seconds(5));
  }
  if (o.ceiling || path) {
    cpu_after = SampleAll(o.gateway_pids);
    redis_cpu_after = CpuOf(SampleAll(o.redis_pids));
    r.loadgen_cpu_seconds = SelfCpuSeconds() - self_cpu_before;
  }
  if (o.ceiling) load = cpu_after;

  if (stand_in) stand_in->Stop();
  if (o.since_now) {
    const ClientPool::RecoveryCounts counts = pool.TakeRecoveryCounts();
    r.recovery_protocol = true;
    r.recovery_controls = counts.controls;
    r.recovery_not_recovered = counts.not_recovered;
    r.recovery_positioned = counts.positioned;
    r.recovery_unpositioned = counts.unpositioned;
    r.recovery_duplicates = counts.duplicates;
    r.recovery_gaps = counts.gaps;
  }
  ClientPool::Results results = pool.Collect();

  // --- Figures ---
  r.frames = results.frames;
  r.retries = results.retries;
  for (const auto& [reason, n] : results.failures) r.failures[reason] = n;
  r.server_closes = results.server_closes;
  r.dropped_without_close = results.dropped_without_close;
  if (path) {
    r.events_sent = path->sent();
    r.events_acked = path->acked();
    r.events_failed = path->failed();
    r.publish_error = path->first_error();
    r.publish_seconds = Seconds(outcome.end - outcome.start);
    r.stalled = outcome.stalled;
    uint64_t complete = 0;
    for (size_t seq = 0; seq < outcome.expected.size(); ++seq) {
      const uint64_t want = outcome.expected[seq];
      const uint64_t got =
          seq < results.received_per_event.size() ? results.received_per_event[seq] : 0;
      r.expected += want;
      r.received += got;
      if (got < want) {
        r.lost += want - got;
        ++r.events_with_loss;
      } else {
        r.unexpected += got - want;
        ++complete;
      }
    }
    if (r.publish_seconds > 0) r.offered_deliveries_per_second = r.expected / r.publish_seconds;
    if (results.last_frame_unix_nanos > outcome.first_send_unix_nanos) {
      r.delivery_span_seconds =
          (results.last_frame_unix_nanos - outcome.first_send_unix_nanos) / 1e9;
      r.achieved_deliveries_per_second = r.received / r.delivery_span_seconds;
      r.achieved_events_per_second = complete / r.delivery_span_seconds;
    }
    if (r.events_failed > 0) {
      r.ok = false;
      r.error = absl::StrCat(r.events_failed, " events could not be published: ", r.publish_error);
    }
  }
  if (o.ceiling) {
    r.publish_seconds = Seconds(outcome.end - outcome.start);
    r.received = frames_at_end;
    r.delivery_span_seconds = r.publish_seconds;
    if (r.publish_seconds > 0) r.achieved_deliveries_per_second = frames_at_end / r.publish_seconds;
  }
  const LatencyHistogram& h = results.latency;
  r.latency_count = h.count();
  r.latency_p50_us = h.Percentile(50) / 1e3;
  r.latency_p90_us = h.Percentile(90) / 1e3;
  r.latency_p99_us = h.Percentile(99) / 1e3;
  r.latency_p999_us = h.Percentile(99.9) / 1e3;
  r.latency_max_us = h.max() / 1e3;
  r.latency_mean_us = h.mean() / 1e3;

  uint64_t open_total = 0;
  for (uint8_t open : snapshot.open) open_total += open;
  int64_t idle_growth = 0;
  int64_t load_growth = 0;
  for (size_t i = 0; i < o.gateway_pids.size(); ++i) {
    GatewayFigures g;
    g.pid = o.gateway_pids[i];
    g.readable = before[i].ok && idle[i].ok;
    if (o.gateway_pids.size() == o.gateways.size()) g.connections = snapshot.open_per_gateway[i];
    g.rss_before_kib = before[i].rss_kib;
    g.rss_idle_kib = idle[i].rss_kib;
    g.rss_load_kib = load[i].rss_kib;
    g.rss_peak_kib = std::max(load[i].hwm_kib, cpu_after[i].hwm_kib);
    g.open_files_idle = idle[i].open_files;
    g.cpu_seconds = cpu_after[i].cpu_seconds - cpu_before[i].cpu_seconds;
    idle_growth += static_cast<int64_t>(g.rss_idle_kib) - static_cast<int64_t>(g.rss_before_kib);
    load_growth += static_cast<int64_t>(g.rss_load_kib) - static_cast<int64_t>(g.rss_before_kib);
    r.gateway_cpu_seconds += g.cpu_seconds;
    r.gateways.push_back(g);
  }
  if (open_total > 0) {
    r.idle_kib_per_connection = static_cast<double>(idle_growth) / open_total;
    r.load_kib_per_connection = static_cast<double>(load_growth) / open_total;
  }
  const uint64_t deliveries = o.ceiling ? frames_at_end : r.received;
  if (deliveries > 0) r.gateway_cpu_us_per_delivery = r.gateway_cpu_seconds * 1e6 / deliveries;
  r.redis_cpu_seconds = redis_cpu_after - redis_cpu_before;
  return r;
}

}  // namespace pubsub::loadgen
