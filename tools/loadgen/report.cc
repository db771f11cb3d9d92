#include "tools/loadgen/report.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pubsub::loadgen {
namespace {

std::string Grouped(double value) {
  // 1234567 -> "1,234,567"
  std::string digits = absl::StrFormat("%.0f", value);
  std::string out;
  const size_t start = digits[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > start && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

void Row(std::string& out, std::string_view name, std::string_view value) {
  absl::StrAppendFormat(&out, "  %-34s %s\n", name, value);
}

}  // namespace

std::string RenderTable(const Report& r) {
  std::string out;
  absl::StrAppend(
      &out,
      r.ceiling ? "pubsub-loadgen --ceiling (built-in trivial sender)" : "pubsub-loadgen report",
      r.label.empty() ? "" : " — " + r.label, "\n");
  if (!r.ok) absl::StrAppend(&out, "  NOT OK: ", r.error, "\n");
  Row(out, "setup",
      absl::StrFormat("%u clients on %s over %u gateway(s), %u scope(s); publish via %s at %s "
                      "events/s for %.1f s; text %u B; %u client thread(s); %d CPUs, load %.2f",
                      r.clients, r.path, r.gateway_urls, r.scopes, r.publish_via, r.rate,
                      r.duration_seconds, r.payload_bytes, r.threads, r.cpus, r.load_average_1m));
  Row(out, "connected",
      absl::StrFormat("%s of %u in %.2f s (%s/s)", Grouped(r.connected), r.clients,
                      r.connect_seconds,
                      Grouped(r.connect_seconds > 0 ? r.connected / r.connect_seconds : 0)));
  if (r.retries > 0) {
    Row(out, "  503 refusals retried", Grouped(r.retries));
  }
  if (r.recovery_protocol) {
    Row(out, "recovery protocol (?since=now)",
        absl::StrFormat("%s controls (%s not recovered); %s positioned / %s unpositioned event "
                        "frames; %s duplicates, %s gaps",
                        Grouped(r.recovery_controls), Grouped(r.recovery_not_recovered),
                        Grouped(r.recovery_positioned), Grouped(r.recovery_unpositioned),
                        Grouped(r.recovery_duplicates), Grouped(r.recovery_gaps)));
  }
  for (const auto& [reason, n] : r.failures) {
    Row(out, "  failed", absl::StrFormat("%s: %s", Grouped(n), reason));
  }
  if (r.ceiling) {
    Row(out, "stand-in frames sent", Grouped(r.stand_in_frames_sent));
    Row(out, "stand-in sender CPU",
        absl::StrFormat("%.3f s for %s frames = %.3f us per frame (its thread alone)",
                        r.stand_in_cpu_seconds, Grouped(r.stand_in_frames_in_window),
                        r.stand_in_cpu_us_per_frame));
    const bool paced = r.rate != "0";
    Row(out, "frames received",
        absl::StrFormat("%s = %s frames/s%s", Grouped(r.frames),
                        Grouped(r.achieved_deliveries_per_second),
                        paced ? absl::StrCat(" (paced: one frame per client, ", r.rate,
                                             " rounds/s; the latency below is the floor)")
                              : "  <- the generator's ceiling"));
  } else if (r.events_sent > 0) {
    Row(out, "events published",
        absl::StrFormat("%s in %.2f s (acked %s, failed %s)%s", Grouped(r.events_sent),
                        r.publish_seconds, Grouped(r.events_acked), Grouped(r.events_failed),
                        r.stalled ? " STALLED" : ""));
    if (!r.publish_error.empty()) Row(out, "  first publish error", r.publish_error);
    Row(out, "deliveries offered",
        absl::StrFormat("%s/s (%s expected)", Grouped(r.offered_deliveries_per_second),
                        Grouped(r.expected)));
    Row(out, "deliveries achieved",
        absl::StrFormat("%s/s (%s received in %.2f s)", Grouped(r.achieved_deliveries_per_second),
                        Grouped(r.received), r.delivery_span_seconds));
    Row(out, "events end to end", absl::StrFormat("%s/s", Grouped(r.achieved_events_per_second)));
    Row(out, "loss",
        absl::StrFormat("%s deliveries (%.4f %%), %s events incomplete; %s unexpected",
                        Grouped(r.lost), r.expected ? 100.0 * r.lost / r.expected : 0.0,
                        Grouped(r.events_with_loss), Grouped(r.unexpected)));
  }
  if (r.latency_count > 0) {
    Row(out, "latency publish->client (us)",
        absl::StrFormat("p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f  (mean %.0f, n=%s)",
                        r.latency_p50_us, r.latency_p90_us, r.latency_p99_us, r.latency_p999_us,
                        r.latency_max_us, r.latency_mean_us, Grouped(r.latency_count)));
  }
  for (const auto& [code, n] : r.server_closes) {
    Row(out, "closed by server", absl::StrFormat("%s with code %u", Grouped(n), code));
  }
  if (r.dropped_without_close > 0) {
    Row(out, "dropped without close", Grouped(r.dropped_without_close));
  }
  for (const auto& g : r.gateways) {
    if (!g.readable) {
      Row(out, absl::StrCat("gateway pid ", g.pid), "unreadable (/proc)");
      continue;
    }
    Row(out, absl::StrCat("gateway pid ", g.pid),
        absl::StrFormat(
            "RSS %s KiB before, %s idle, %s under load (peak %s); %s open files idle;"
            " CPU %.2f s%s",
            Grouped(g.rss_before_kib), Grouped(g.rss_idle_kib), Grouped(g.rss_load_kib),
            Grouped(g.rss_peak_kib), Grouped(g.open_files_idle), g.cpu_seconds,
            g.connections ? absl::StrCat(", ", Grouped(g.connections), " clients") : ""));
  }
  if (!r.gateways.empty()) {
    Row(out, "gateway memory per connection",
        absl::StrFormat("%.2f KiB idle, %.2f KiB under load", r.idle_kib_per_connection,
                        r.load_kib_per_connection));
    Row(out, "gateway CPU",
        absl::StrFormat("%.2f s = %.3f us per delivery", r.gateway_cpu_seconds,
                        r.gateway_cpu_us_per_delivery));
  }
  if (r.redis_cpu_seconds > 0)
    Row(out, "redis CPU", absl::StrFormat("%.2f s", r.redis_cpu_seconds));
  Row(out, "loadgen CPU", absl::StrFormat("%.2f s", r.loadgen_cpu_seconds));
  if (r.tcp_memory_kib_before >= 0) {
    Row(out, "kernel TCP memory (machine)",
        absl::StrFormat("%s KiB before, %s KiB idle", Grouped(r.tcp_memory_kib_before),
                        Grouped(r.tcp_memory_kib_idle)));
  }
  return out;
}

std::string RenderJson(const Report& r) {
  namespace json = boost::json;
  json::object setup{{"label", r.label},
                     {"path", r.path},
                     {"publish_via", r.publish_via},
                     {"clients", r.clients},
                     {"gateway_urls", r.gateway_urls},
                     {"scopes", r.scopes},
                     {"rate", r.rate},
                     {"duration_seconds", r.duration_seconds},
                     {"payload_bytes", r.payload_bytes},
                     {"threads", r.threads},
                     {"ceiling", r.ceiling},
                     {"cpus", r.cpus},
                     {"load_average_1m", r.load_average_1m}};
  json::object failures;
  for (const auto& [reason, n] : r.failures) failures[reason] = n;
  json::object closes;
  for (const auto& [code, n] : r.server_closes) closes[std::to_string(code)] = n;
  json::array gateways;
  for (const auto& g : r.gateways) {
    gateways.push_back(json::object{{"pid", g.pid},
                                    {"readable", g.readable},
                                    {"connections", g.connections},
                                    {"rss_before_kib", g.rss_before_kib},
                                    {"rss_idle_kib", g.rss_idle_kib},
                                    {"rss_load_kib", g.rss_load_kib},
                                    {"rss_peak_kib", g.rss_peak_kib},
                                    {"open_files_idle", g.open_files_idle},
                                    {"cpu_seconds", g.cpu_seconds}});
  }
  json::object out{
      {"ok", r.ok},
      {"error", r.error},
      {"setup", std::move(setup)},
      {"connect", json::object{{"connected", r.connected},
                               {"failed", r.failed},
                               {"retries_after_503", r.retries},
                               {"failures", std::move(failures)},
                               {"seconds", r.connect_seconds}}},
      {"publish", json::object{{"events_sent", r.events_sent},
                               {"events_acked", r.events_acked},
                               {"events_failed", r.events_failed},
                               {"first_error", r.publish_error},
                               {"seconds", r.publish_seconds},
                               {"stalled", r.stalled}}},
      {"deliveries", json::object{{"expected", r.expected},
                                  {"received", r.received},
                                  {"lost", r.lost},
                                  {"unexpected", r.unexpected},
                                  {"events_with_loss", r.events_with_loss},
                                  {"frames", r.frames},
                                  {"offered_per_second", r.offered_deliveries_per_second},
                                  {"achieved_per_second", r.achieved_deliveries_per_second},
                                  {"events_per_second_end_to_end", r.achieved_events_per_second},
                                  {"span_seconds", r.delivery_span_seconds}}},
      {"latency_us", json::object{{"count", r.latency_count},
                                  {"p50", r.latency_p50_us},
                                  {"p90", r.latency_p90_us},
                                  {"p99", r.latency_p99_us},
                                  {"p99_9", r.latency_p999_us},
                                  {"max", r.latency_max_us},
                                  {"mean", r.latency_mean_us}}},
      {"closes", json::object{{"by_server", std::move(closes)},
                              {"dropped_without_close", r.dropped_without_close}}},
      {"gateways", std::move(gateways)},
      {"gateway", json::object{{"idle_kib_per_connection", r.idle_kib_per_connection},
                               {"load_kib_per_connection", r.load_kib_per_connection},
                               {"cpu_seconds", r.gateway_cpu_seconds},
                               {"cpu_us_per_delivery", r.gateway_cpu_us_per_delivery}}},
      {"redis_cpu_seconds", r.redis_cpu_seconds},
      {"loadgen_cpu_seconds", r.loadgen_cpu_seconds},
      {"tcp_memory_kib",
       json::object{{"before", r.tcp_memory_kib_before}, {"idle", r.tcp_memory_kib_idle}}},
      {"stand_in_frames_sent", r.stand_in_frames_sent},
      {"stand_in", json::object{{"cpu_seconds", r.stand_in_cpu_seconds},
                                {"frames", r.stand_in_frames_in_window},
                                {"cpu_us_per_frame", r.stand_in_cpu_us_per_frame}}},
      {"recovery", json::object{{"protocol", r.recovery_protocol},
                                {"controls", r.recovery_controls},
                                {"not_recovered", r.recovery_not_recovered},
                                {"positioned_frames", r.recovery_positioned},
                                {"unpositioned_frames", r.recovery_unpositioned},
                                {"duplicates", r.recovery_duplicates},
                                {"gaps", r.recovery_gaps}}},
  };
  return json::serialize(out) + "\n";
}

}  // namespace pubsub::loadgen
