#include "tools/loadgen/storm.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "pubsub/redis_bus.h"
#include "tools/loadgen/client_pool.h"
#include "tools/loadgen/event_factory.h"
#include "tools/loadgen/event_text.h"
#include "tools/loadgen/loadgen.h"
#include "tools/loadgen/proc_stats.h"
#include "tools/loadgen/publish_path.h"

namespace pubsub::loadgen {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Polls `done` every 20 ms for at most `seconds`; true when it held.
bool WaitFor(double seconds, const std::function<bool()>& done,
             const std::function<void()>& tick = {}) {
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(seconds));
  while (!done()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (tick) tick();
  }
  return true;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * values.size()));
  return values[i];
}

json::object Delta(const std::map<std::string, uint64_t>& before,
                   const std::map<std::string, uint64_t>& after, uint64_t& total) {
  json::object out;
  total = 0;
  for (const auto& [name, calls] : after) {
    auto it = before.find(name);
    const uint64_t was = it == before.end() ? 0 : it->second;
    if (calls == was || name == "info" || name == "monitor") continue;  // this tool's own
    out[name] = calls - was;
    total += calls - was;
  }
  return out;
}

// Counts the commands Redis executes while it runs (MONITOR): top-level ones
// by client address and name ("FCALL pubsub_read" for functions), and those
// that scripts and functions run inside them ("lua").
class Monitor {
 public:
  absl::Status Start(const std::string& redis_url) {
    auto options = ParseRedisUrl(redis_url);
    if (!options.ok()) return options.status();
    try {
      asio::ip::tcp::resolver resolver(io_);
      asio::connect(socket_, resolver.resolve(options->host, std::to_string(options->port)));
      std::string request;
      if (!options->password.empty()) {
        request += options->username.empty()
                       ? absl::StrCat("*2\r\n$4\r\nAUTH\r\n$", options->password.size(), "\r\n",
                                      options->password, "\r\n")
                       : absl::StrCat("*3\r\n$4\r\nAUTH\r\n$", options->username.size(), "\r\n",
                                      options->username, "\r\n$", options->password.size(), "\r\n",
                                      options->password, "\r\n");
      }
      request += "*1\r\n$7\r\nMONITOR\r\n";
      asio::write(socket_, asio::buffer(request));
      // Until +OK (of MONITOR): from then on every command is shown.
      std::string in;
      char buffer[4096];
      while (in.find("+OK\r\n") == std::string::npos ||
             (!options->password.empty() && CountOk(in) < 2)) {
        const size_t n = socket_.read_some(asio::buffer(buffer));
        in.append(buffer, n);
      }
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat("MONITOR at ", redis_url, ": ", e.what()));
    }
    thread_ = std::thread([this] { Read(); });
    return absl::OkStatus();
  }

  // Stops reading; the counts of what was shown until now.
  void Stop() {
    if (!thread_.joinable()) return;
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    thread_.join();
    socket_.close(ignored);
  }

  const std::map<std::string, uint64_t>& top_level() const { return top_level_; }
  const std::map<std::string, uint64_t>& inside_functions() const { return inside_; }
  const std::map<std::string, uint64_t>& by_client() const { return by_client_; }

 private:
  static size_t CountOk(const std::string& in) {
    size_t n = 0;
    for (size_t at = in.find("+OK\r\n"); at != std::string::npos; at = in.find("+OK\r\n", at + 1)) {
      ++n;
    }
    return n;
  }

  void Read() {
    std::string in;
    char buffer[65536];
    for (;;) {
      boost::system::error_code error;
      const size_t n = socket_.read_some(asio::buffer(buffer), error);
      if (error) break;
      in.append(buffer, n);
      size_t start = 0;
      for (size_t eol; (eol = in.find("\r\n", start)) != std::string::npos; start = eol + 2) {
        Line(std::string_view(in).substr(start, eol - start));
      }
      in.erase(0, start);
    }
  }

  // +1733371581.123456 [0 127.0.0.1:54321] "FCALL" "pubsub_read" "2" ...
  void Line(std::string_view line) {
    const size_t open = line.find('[');
    const size_t close = line.find(']', open);
    if (open == std::string_view::npos || close == std::string_view::npos) return;
    const std::string_view who = line.substr(open + 1, close - open - 1);
    const size_t space = who.find(' ');
    const std::string_view client = space == std::string_view::npos ? who : who.substr(space + 1);
    std::vector<std::string> words;
    for (size_t at = line.find('"', close); at != std::string_view::npos && words.size() < 2;) {
      const size_t end = line.find('"', at + 1);
      if (end == std::string_view::npos) break;
      words.emplace_back(line.substr(at + 1, end - at - 1));
      at = line.find('"', end + 1);
    }
    if (words.empty()) return;
    std::string name = words[0];
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (name == "INFO" || name == "MONITOR") return;  // this tool's own
    if ((name == "FCALL" || name == "FCALL_RO") && words.size() > 1) name += " " + words[1];
    if (client == "lua") {
      ++inside_[name];
    } else {
      ++top_level_[name];
      ++by_client_[std::string(client)];
    }
  }

  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  std::thread thread_;
  std::map<std::string, uint64_t> top_level_;
  std::map<std::string, uint64_t> inside_;
  std::map<std::string, uint64_t> by_client_;
};

json::object ToJson(const std::map<std::string, uint64_t>& counts, uint64_t& total) {
  json::object out;
  total = 0;
  for (const auto& [name, n] : counts) {
    out[name] = n;
    total += n;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::map<std::string, uint64_t>> RedisCommandCalls(const std::string& redis_url) {
  auto options = ParseRedisUrl(redis_url);
  if (!options.ok()) return options.status();
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    asio::ip::tcp::socket socket(io);
    asio::connect(socket, resolver.resolve(options->host, std::to_string(options->port)));
    std::string request;
    if (!options->password.empty()) {
      if (options->username.empty()) {
        request += absl::StrCat("*2\r\n$4\r\nAUTH\r\n$", options->password.size(), "\r\n",
                                options->password, "\r\n");
      } else {
        request += absl::StrCat("*3\r\n$4\r\nAUTH\r\n$", options->username.size(), "\r\n",
                                options->username, "\r\n$", options->password.size(), "\r\n",
                                options->password, "\r\n");
      }
    }
    request += "*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n";
    asio::write(socket, asio::buffer(request));
    std::string in;
    char buffer[65536];
    // The INFO reply is the last one: a bulk string "$N\r\n...\r\n".
    for (;;) {
      boost::system::error_code error;
      const size_t n = socket.read_some(asio::buffer(buffer), error);
      if (error) return absl::UnavailableError("INFO commandstats: " + error.message());
      in.append(buffer, n);
      const size_t dollar = in.rfind("\r\n$") == std::string::npos
                                ? (in.starts_with("$") ? 0 : std::string::npos)
                                : in.rfind("\r\n$") + 2;
      if (in.starts_with("-")) return absl::UnavailableError("INFO commandstats: " + in);
      if (dollar == std::string::npos) continue;
      const size_t eol = in.find("\r\n", dollar);
      if (eol == std::string::npos) continue;
      const size_t length = std::stoul(in.substr(dollar + 1, eol - dollar - 1));
      if (in.size() < eol + 2 + length + 2) continue;
      const std::string body = in.substr(eol + 2, length);
      std::map<std::string, uint64_t> calls;
      size_t pos = 0;
      while (pos < body.size()) {
        size_t end = body.find("\r\n", pos);
        if (end == std::string::npos) end = body.size();
        const std::string_view line(body.data() + pos, end - pos);
        pos = end + 2;
        // cmdstat_fcall:calls=123,usec=...
        if (!line.starts_with("cmdstat_")) continue;
        const size_t colon = line.find(':');
        const size_t at = line.find("calls=");
        if (colon == std::string_view::npos || at == std::string_view::npos) continue;
        calls[std::string(line.substr(8, colon - 8))] =
            std::stoull(std::string(line.substr(at + 6, line.find(',', at) - at - 6)));
      }
      return calls;
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("INFO commandstats at ", redis_url, ": ", e.what()));
  }
}

absl::StatusOr<StormReport> RunStorm(const Options& o, std::ostream& progress) {
  StormReport report;
  const size_t n_gateways = o.gateways.size();
  const size_t victim = o.storm_victim;
  std::vector<size_t> survivors;
  for (size_t g = 0; g < n_gateways; ++g) {
    if (g != victim) survivors.push_back(g);
  }
  const uint32_t storm_n = o.clients;
  const uint32_t total = storm_n + o.bystanders * static_cast<uint32_t>(survivors.size());
  const uint64_t limit = RaiseOpenFileLimit();
  if (uint64_t{total} + kReservedFiles > limit) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%u clients need more file descriptors than this process may open (%u)", total, limit));
  }
  auto log = [&](const std::string& line) {
    if (!o.quiet) progress << "[storm] " << line << std::endl;
  };

  auto initial_gateway = [&](uint32_t i) -> size_t {
    if (i < storm_n) return o.storm_on_victim ? victim : i % n_gateways;
    return survivors[(i - storm_n) % survivors.size()];
  };
  ClientPool::Config config;
  for (const auto& g : o.gateways) {
    boost::system::error_code error;
    auto address = asio::ip::make_address_v4(g.host, error);
    if (error) return absl::InvalidArgumentError("--url: not an IPv4 address: " + g.host);
    config.gateways.emplace_back(address, g.port);
  }
  for (uint32_t i = 0; i < o.source_addresses; ++i) {
    config.sources.push_back(asio::ip::address_v4((127u << 24) | (i + 1)));
  }
  config.clients = total;
  config.threads = o.threads;
  config.connect_concurrency = o.connect_concurrency;
  config.connect_timeout_seconds = o.connect_timeout_seconds;
  config.max_attempts = std::max<uint32_t>(o.max_attempts, 1);
  const std::string path = absl::StrReplaceAll(o.path, {{"{scope}", "0"}});
  config.target = [&o, path](uint32_t i) {
    return absl::StrCat(path, "?user_id=", UserId(o.client_offset + i));
  };
  config.gateway_of = initial_gateway;
  config.recovery = true;
  config.check_sequence = true;

  json::object figures;
  auto fail = [&](std::string why) {
    report.ok = false;
    if (report.error.empty()) report.error = std::move(why);
  };

  // --- 1. Connect, then warm up: every client has a position. ---
  ClientPool pool(config);
  const auto connect_start = Clock::now();
  pool.Start();
  WaitFor(o.connect_timeout_seconds + 30, [&] { return pool.ConnectDone(); });
  const double connect_seconds = Seconds(Clock::now() - connect_start);
  const uint64_t connected_first = pool.connected();
  const uint64_t failed_first = pool.failed();
  log(absl::StrFormat("connected %u of %u in %.2f s", pool.connected(), total, connect_seconds));
  if (pool.failed() > 0) fail(absl::StrCat(pool.failed(), " clients could not connect"));
  WaitFor(10, [&] { return pool.TakeRecoveryCounts().controls >= total; });

  EventFactory factory(o);
  auto made = MakePublishPath(o, factory);
  if (!made.ok()) return made.status();
  std::unique_ptr<PublishPath> publisher = *std::move(made);
  if (auto status = publisher->Start(); !status.ok()) return status;
  // Publishes events [from, from + n) to the topic and waits for every
  // acknowledgement (on a history topic: the event is stored).
  auto publish = [&](uint64_t from, uint32_t n) -> double {
    const auto start = Clock::now();
    for (uint64_t seq = from; seq < from + n; ++seq) {
      EventSpec event;
      event.seq = seq;
      event.scope = 0;
      event.send_unix_nanos = NowUnixNanos();
      publisher->Send(event);
    }
    if (!WaitFor(10, [&] { return publisher->in_flight() == 0; })) {
      fail("publishing: acknowledgements did not arrive within 10 s");
    }
    if (publisher->failed() > 0) fail("publishing failed: " + publisher->first_error());
    return Seconds(Clock::now() - start);
  };
  const uint64_t warm = o.storm_warmup_events;
  publish(0, o.storm_warmup_events);
  if (!WaitFor(10, [&] { return pool.frames() >= uint64_t{total} * warm; })) {
    fail(absl::StrCat("warm-up: ", pool.frames(), " of ", uint64_t{total} * warm,
                      " deliveries arrived"));
  }
  std::vector<ClientPool::ClientState> states = pool.TakeClientStates();
  uint64_t warm_ok = 0;
  for (const auto& s : states) warm_ok += s.open && s.last_seq == warm - 1 && !s.position.empty();
  log(absl::StrFormat("warm-up: %u of %u clients have all %u events and a position", warm_ok, total,
                      warm));
  if (warm_ok != total) fail("warm-up: not every client received every warm-up event");

  // --- 2. The storm: the victim dies, every other storm client goes away. ---
  auto survivor_pids = [&] {
    std::vector<int> pids;
    if (o.gateway_pids.size() == n_gateways) {
      for (size_t g : survivors) pids.push_back(o.gateway_pids[g]);
    }
    return pids;
  }();
  auto cpu_of = [](const std::vector<int>& pids) {
    double cpu = 0;
    for (int pid : pids) cpu += SampleProcess(pid).cpu_seconds;
    return cpu;
  };
  auto before_storm = RedisCommandCalls(o.redis_url);
  if (!before_storm.ok()) return before_storm.status();
  const bool killing = o.storm_kill_pid > 0;
  if (killing) {
    if (::kill(o.storm_kill_pid, SIGKILL) != 0) {
      return absl::InternalError(absl::StrCat("kill -9 ", o.storm_kill_pid, " failed"));
    }
    log(absl::StrFormat("SIGKILL sent to the victim (pid %d)", o.storm_kill_pid));
  }
  pool.Disconnect(
      [&](uint32_t i) { return i < storm_n && !(killing && initial_gateway(i) == victim); });
  const bool all_gone = WaitFor(10, [&] {
    states = pool.TakeClientStates();
    for (uint32_t i = 0; i < storm_n; ++i) {
      if (states[i].open) return false;
    }
    return true;
  });
  if (!all_gone) fail("the storm clients did not all lose their connection within 10 s");
  log(absl::StrFormat("%u storm clients disconnected", storm_n));

  // --- 3. Events published (and stored) while they are away. ---
  const double storm_publish_seconds = publish(warm, o.storm_events);
  const uint64_t last_missed = warm + o.storm_events - 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // bystanders' deliveries
  auto before_reconnect = RedisCommandCalls(o.redis_url);
  if (!before_reconnect.ok()) return before_reconnect.status();
  log(absl::StrFormat("%u events published and acknowledged in %.3f s", o.storm_events,
                      storm_publish_seconds));

  // --- 4. Everybody reconnects to a survivor with its last position. ---
  const double gateway_cpu0 = cpu_of(survivor_pids);
  double redis_cpu0 = 0;
  for (int pid : o.redis_pids) redis_cpu0 += SampleProcess(pid).cpu_seconds;
  const double self_cpu0 = SelfCpuSeconds();
  Monitor monitor;
  if (auto status = monitor.Start(o.redis_url); !status.ok()) return status;
  const int64_t t0 = SteadyNanos();
  pool.Reconnect([&](uint32_t i) { return i < storm_n; },
                 [&](uint32_t i) { return survivors[i % survivors.size()]; }, o.storm_concurrency,
                 last_missed);
  auto next_line = Clock::now() + std::chrono::seconds(1);
  const bool all_done = WaitFor(
      o.storm_timeout_seconds, [&] { return pool.done() >= storm_n; },
      [&] {
        if (Clock::now() < next_line) return;
        next_line += std::chrono::seconds(1);
        log(absl::StrFormat("reconnected %u, recovered everything %u of %u", pool.reconnected(),
                            pool.done(), storm_n));
      });
  const int64_t t_all = SteadyNanos();
  if (!all_done) {
    fail(absl::StrCat("only ", pool.done(), " of ", storm_n, " clients received all ",
                      o.storm_events, " missed events within ", o.storm_timeout_seconds, " s"));
  }
  const double gateway_cpu1 = cpu_of(survivor_pids);
  double redis_cpu1 = 0;
  for (int pid : o.redis_pids) redis_cpu1 += SampleProcess(pid).cpu_seconds;
  const double self_cpu1 = SelfCpuSeconds();
  // Reads still in flight (none expected) land in the count too.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto after_reconnect = RedisCommandCalls(o.redis_url);
  if (!after_reconnect.ok()) return after_reconnect.status();
  monitor.Stop();
  states = pool.TakeClientStates();
  const ClientPool::RecoveryCounts after_storm = pool.TakeRecoveryCounts();
  log(absl::StrFormat("all recovered after %.3f s", (t_all - t0) / 1e9));

  // Per storm client: one control ("recovered":true), exactly the missed
  // events, done.
  std::vector<double> done_ms;
  std::vector<double> upgraded_ms;
  std::vector<double> upgrade_to_done_ms;  // per client: its 101 -> its last missed event
  int64_t first_upgrade = 0;
  uint64_t exact = 0;
  uint64_t wrong_count = 0;
  uint64_t not_recovered = 0;
  uint64_t extra_controls = 0;
  for (uint32_t i = 0; i < storm_n; ++i) {
    const auto& s = states[i];
    if (s.reconnected_nanos > 0) {
      upgraded_ms.push_back((s.reconnected_nanos - t0) / 1e6);
      if (first_upgrade == 0 || s.reconnected_nanos < first_upgrade)
        first_upgrade = s.reconnected_nanos;
    }
    if (s.done_nanos > 0) done_ms.push_back((s.done_nanos - t0) / 1e6);
    if (s.done_nanos > 0 && s.reconnected_nanos > 0) {
      upgrade_to_done_ms.push_back((s.done_nanos - s.reconnected_nanos) / 1e6);
    }
    if (s.controls_since_reconnect != 1) ++extra_controls;
    if (!s.recovered_since_reconnect) ++not_recovered;
    if (s.events_since_reconnect == o.storm_events && s.last_seq == last_missed) {
      ++exact;
    } else {
      ++wrong_count;
    }
  }
  const int64_t last_done =
      t0 + static_cast<int64_t>(
               (done_ms.empty() ? 0 : *std::max_element(done_ms.begin(), done_ms.end())) * 1e6);

  // --- 5. Live events go on: every client (storm and bystanders) gets them. ---
  const uint64_t last_live = last_missed + o.storm_live_events;
  uint64_t live_ok = 0;
  if (o.storm_live_events > 0) {
    publish(last_missed + 1, o.storm_live_events);
    WaitFor(10, [&] {
      states = pool.TakeClientStates();
      live_ok = 0;
      for (const auto& s : states) live_ok += s.open && s.last_seq == last_live;
      return live_ok == total;
    });
    if (live_ok != total) {
      fail(absl::StrCat("after the storm, ", live_ok, " of ", total,
                        " clients received every live event"));
    }
  }
  publisher->Finish(std::chrono::seconds(5));
  const ClientPool::RecoveryCounts counts = pool.TakeRecoveryCounts();
  const ClientPool::Results results = pool.Collect();

  if (counts.duplicates > 0) fail(absl::StrCat(counts.duplicates, " duplicate deliveries"));
  if (counts.gaps > 0) fail(absl::StrCat(counts.gaps, " gaps in positions"));
  if (counts.sequence_errors > 0) {
    fail(absl::StrCat(counts.sequence_errors, " events out of order (loadgen sequence)"));
  }
  if (not_recovered > 0) fail(absl::StrCat(not_recovered, " clients were not recovered"));
  if (wrong_count > 0) {
    fail(absl::StrCat(wrong_count, " clients did not receive exactly the ", o.storm_events,
                      " missed events"));
  }

  uint64_t publish_total = 0;
  uint64_t recovery_total = 0;
  json::object during_publish = Delta(*before_storm, *before_reconnect, publish_total);
  json::object during_recovery = Delta(*before_reconnect, *after_reconnect, recovery_total);
  uint64_t monitored_total = 0;
  uint64_t monitored_inside = 0;
  uint64_t monitored_clients = 0;
  json::object monitored = ToJson(monitor.top_level(), monitored_total);
  json::object monitored_in = ToJson(monitor.inside_functions(), monitored_inside);
  json::object monitored_by = ToJson(monitor.by_client(), monitored_clients);
  const double span_all = (t_all - t0) / 1e9;
  const double from_first = first_upgrade > 0 ? (last_done - first_upgrade) / 1e9 : 0;

  json::object reasons;
  for (const auto& [reason, n] : counts.not_recovered_reasons) reasons[reason] = n;
  json::object failures;
  for (const auto& [reason, n] : results.failures) failures[reason] = n;
  json::object closes;
  for (const auto& [code, n] : results.server_closes) closes[std::to_string(code)] = n;
  json::object out{
      {"ok", report.ok},
      {"error", report.error},
      {"label", o.label},
      {"setup", json::object{{"path", path},
                             {"gateways", n_gateways},
                             {"victim", victim},
                             {"killed_pid", o.storm_kill_pid},
                             {"storm_clients", storm_n},
                             {"storm_clients_start_on_victim", o.storm_on_victim},
                             {"bystanders_per_survivor", o.bystanders},
                             {"clients_total", total},
                             {"warmup_events", o.storm_warmup_events},
                             {"missed_events", o.storm_events},
                             {"live_events", o.storm_live_events},
                             {"reconnect_concurrency_per_thread", o.storm_concurrency},
                             {"threads", o.threads}}},
      {"connect", json::object{{"connected", connected_first},
                               {"failed", failed_first},
                               {"failures", std::move(failures)},
                               {"retries_after_503", results.retries},
                               {"seconds", connect_seconds}}},
      {"storm_publish_seconds", storm_publish_seconds},
      {"recovery",
       json::object{{"reconnected", pool.reconnected()},
                    {"all_received_everything", all_done},
                    {"clients_with_exactly_the_missed_events", exact},
                    {"clients_not_recovered", not_recovered},
                    {"clients_without_exactly_one_control", extra_controls},
                    {"seconds_to_all_recovered", span_all},
                    {"seconds_first_upgrade_to_all_recovered", from_first},
                    {"first_upgrade_ms", upgraded_ms.empty() ? 0 : Percentile(upgraded_ms, 0)},
                    {"upgrade_ms_p50", Percentile(upgraded_ms, 50)},
                    {"upgrade_ms_p99", Percentile(upgraded_ms, 99)},
                    {"upgrade_ms_max", Percentile(upgraded_ms, 100)},
                    {"recovered_ms_p50", Percentile(done_ms, 50)},
                    {"recovered_ms_p99", Percentile(done_ms, 99)},
                    {"recovered_ms_max", Percentile(done_ms, 100)},
                    {"upgrade_to_recovered_ms_p50", Percentile(upgrade_to_done_ms, 50)},
                    {"upgrade_to_recovered_ms_p99", Percentile(upgrade_to_done_ms, 99)},
                    {"upgrade_to_recovered_ms_max", Percentile(upgrade_to_done_ms, 100)},
                    {"gateway_cpu_seconds_survivors", gateway_cpu1 - gateway_cpu0},
                    {"redis_cpu_seconds", redis_cpu1 - redis_cpu0},
                    {"loadgen_cpu_seconds", self_cpu1 - self_cpu0}}},
      {"redis_commands",
       json::object{{"during_storm_publish", std::move(during_publish)},
                    {"during_storm_publish_total", publish_total},
                    {"during_reconnect", std::move(during_recovery)},
                    {"during_reconnect_total", recovery_total},
                    {"monitor_reconnect_top_level", std::move(monitored)},
                    {"monitor_reconnect_top_level_total", monitored_total},
                    {"monitor_reconnect_inside_functions", std::move(monitored_in)},
                    {"monitor_reconnect_inside_functions_total", monitored_inside},
                    {"monitor_reconnect_by_client", std::move(monitored_by)}}},
      {"checks", json::object{{"controls", counts.controls},
                              {"not_recovered", counts.not_recovered},
                              {"not_recovered_reasons", std::move(reasons)},
                              {"positioned_frames", counts.positioned},
                              {"unpositioned_frames", counts.unpositioned},
                              {"duplicates", counts.duplicates},
                              {"gaps", counts.gaps},
                              {"sequence_errors", counts.sequence_errors},
                              {"duplicates_after_storm", after_storm.duplicates},
                              {"clients_with_every_live_event", live_ok}}},
      {"closes", json::object{{"by_server", std::move(closes)},
                              {"dropped_without_close", results.dropped_without_close}}},
  };
  out["ok"] = report.ok;
  out["error"] = report.error;
  report.json = json::serialize(out) + "\n";
  report.table = absl::StrFormat(
      "pubsub-loadgen --recover-storm%s\n%s"
      "  %u storm clients (%s), %u bystanders; victim %u%s\n"
      "  reconnected %u; all %u missed events at every client after %.3f s (%.3f s after the "
      "first upgrade); p50 %.0f ms, p99 %.0f ms; per client from its 101: p50 %.1f ms, p99 "
      "%.1f ms\n"
      "  clients with exactly the missed events: %u; not recovered: %u; duplicates %u, gaps %u, "
      "out of order %u\n"
      "  Redis commands during the reconnections: %u issued (MONITOR: %s), %u in all with the "
      "calls inside functions (INFO commandstats: %s)\n"
      "  survivors' CPU %.2f s, Redis CPU %.2f s\n",
      o.label.empty() ? "" : " — " + o.label, report.ok ? "" : "  NOT OK: " + report.error + "\n",
      storm_n, o.storm_on_victim ? "all on the victim" : "spread over every replica",
      o.bystanders * survivors.size(), victim, killing ? " (SIGKILL)" : " (clients closed)",
      pool.reconnected(), o.storm_events, span_all, from_first, Percentile(done_ms, 50),
      Percentile(done_ms, 99), Percentile(upgrade_to_done_ms, 50),
      Percentile(upgrade_to_done_ms, 99), exact, not_recovered, counts.duplicates, counts.gaps,
      counts.sequence_errors, monitored_total,
      json::serialize(out.at("redis_commands").as_object().at("monitor_reconnect_top_level")),
      recovery_total, json::serialize(out.at("redis_commands").as_object().at("during_reconnect")),
      gateway_cpu1 - gateway_cpu0, redis_cpu1 - redis_cpu0);
  return report;
}

}  // namespace pubsub::loadgen
