// Report: everything one load-generator run measured, and its two
// renderings: a table for people and JSON for scripts (bench/).
//
//   absl::StatusOr<Report> report = RunLoadgen(options, std::cerr);
//   std::cout << RenderTable(*report);   // or RenderJson(*report)
#ifndef PUBSUB_TOOLS_LOADGEN_REPORT_H_
#define PUBSUB_TOOLS_LOADGEN_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pubsub::loadgen {

struct GatewayFigures {
  int pid = 0;
  bool readable = false;        // /proc could be read
  uint64_t connections = 0;     // this run's open clients on it (when --gateway-pid
                                // is given once per --url, in the same order)
  uint64_t rss_before_kib = 0;  // before connecting
  uint64_t rss_idle_kib = 0;    // connected, before publishing
  uint64_t rss_load_kib = 0;    // at the end of publishing
  uint64_t rss_peak_kib = 0;    // VmHWM at the end
  uint64_t open_files_idle = 0;
  double cpu_seconds = 0;  // during publishing and drain
};

struct Report {
  bool ok = true;     // false: clients failed (without --allow-refused) or a publish path failed
  std::string error;  // why not ok
  std::string label;

  // Setup.
  std::string path;
  std::string publish_via;
  uint32_t clients = 0;
  uint32_t gateway_urls = 0;
  uint32_t scopes = 1;
  std::string rate;  // "1000" or "max"
  double duration_seconds = 0;
  uint32_t payload_bytes = 0;
  uint32_t threads = 0;
  bool ceiling = false;
  int cpus = 0;
  double load_average_1m = 0;  // at start

  // Connecting.
  uint64_t connected = 0;
  uint64_t failed = 0;
  uint64_t retries = 0;  // upgrades refused with 503 and tried again
  std::map<std::string, uint64_t> failures;
  double connect_seconds = 0;

  // Publishing.
  uint64_t events_sent = 0;
  uint64_t events_acked = 0;
  uint64_t events_failed = 0;
  std::string publish_error;
  double publish_seconds = 0;
  bool stalled = false;  // --rate max stopped making progress

  // Deliveries.
  uint64_t expected = 0;
  uint64_t received = 0;    // marked frames of this run's events
  uint64_t lost = 0;        // expected but not received
  uint64_t unexpected = 0;  // received beyond what was expected
  uint64_t events_with_loss = 0;
  uint64_t frames = 0;  // every event frame, marked or not
  double offered_deliveries_per_second = 0;
  double achieved_deliveries_per_second = 0;
  double achieved_events_per_second = 0;  // events received by all their recipients
  double delivery_span_seconds = 0;       // first publish -> last frame

  // Latency publish -> client, microseconds.
  uint64_t latency_count = 0;
  double latency_p50_us = 0;
  double latency_p90_us = 0;
  double latency_p99_us = 0;
  double latency_p999_us = 0;
  double latency_max_us = 0;
  double latency_mean_us = 0;

  // Connections that ended during the run.
  std::map<uint16_t, uint64_t> server_closes;  // close code -> clients
  uint64_t dropped_without_close = 0;

  // Gateways, Redis, the generator.
  std::vector<GatewayFigures> gateways;
  double idle_kib_per_connection = 0;  // (idle - before) RSS over open connections
  double load_kib_per_connection = 0;  // (load - before) RSS over open connections
  double gateway_cpu_seconds = 0;
  double gateway_cpu_us_per_delivery = 0;
  double redis_cpu_seconds = 0;
  double loadgen_cpu_seconds = 0;
  int64_t tcp_memory_kib_before = -1;  // whole machine, /proc/net/sockstat
  int64_t tcp_memory_kib_idle = -1;

  // --since now: the recovery protocol's frames, over all clients.
  bool recovery_protocol = false;
  uint64_t recovery_controls = 0;       // recovery control frames (one per client at connect)
  uint64_t recovery_not_recovered = 0;  // of which "recovered":false
  uint64_t recovery_positioned = 0;     // event frames with a position
  uint64_t recovery_unpositioned = 0;   // event frames without one
  uint64_t recovery_duplicates = 0;     // a position at or before the client's last
  uint64_t recovery_gaps = 0;           // a position past the next one

  // --ceiling.
  uint64_t stand_in_frames_sent = 0;
  // The built-in sender's thread alone (not the client threads): its CPU
  // while blasting, the frames it sent meanwhile, and their quotient — with
  // --rate, the cost of one send() per frame (the floor a gateway's CPU per
  // delivery is compared with).
  double stand_in_cpu_seconds = 0;
  uint64_t stand_in_frames_in_window = 0;
  double stand_in_cpu_us_per_frame = 0;
};

std::string RenderTable(const Report& report);
std::string RenderJson(const Report& report);

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_REPORT_H_
