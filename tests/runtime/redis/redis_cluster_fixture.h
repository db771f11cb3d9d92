// RedisCluster: a real Redis Cluster for C++ tests of the cluster bus:
// `masters` masters with `replicas` replicas each (3 + 3 by default), one
// redis-server child process per node (RedisServer, with --cluster-enabled)
// on free ports, joined with `redis-cli --cluster create`. Every node is
// stopped by PID (SIGKILL) when the fixture is destroyed.
//
//   RedisCluster cluster;
//   ASSERT_TRUE(cluster.Start()) << cluster.error();
//   RedisClusterBus bus(*ParseRedisClusterUrl(cluster.url()));
//   const uint16_t owner = *cluster.MasterOfSlot(ClusterSlot("pubsub:news"));
//   ASSERT_TRUE(cluster.KillMaster(owner));
//   ASSERT_TRUE(cluster.WaitForFailover()) << cluster.error();
//   ASSERT_TRUE(cluster.MoveSlot(6063, from, to)) << cluster.error();
//   // or BeginSlotMigration(...), look at ASK/MOVED, then FinishSlotMigration(...)
//
// Waits poll with generous bounds (a loaded 2-core machine: forming takes
// ~2-7 s, a failover ~3 s with --cluster-node-timeout 1000) and leave a
// description of what was missing in error().
#ifndef PUBSUB_TESTS_REDIS_REDIS_CLUSTER_FIXTURE_H_
#define PUBSUB_TESTS_REDIS_REDIS_CLUSTER_FIXTURE_H_

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "redis_server.h"

namespace pubsub::testing {

class RedisCluster {
 public:
  static constexpr int kSlots = 16384;

  // One node of the cluster as another node (or the fixture) sees it.
  struct NodeView {
    std::string id;
    uint16_t port = 0;
    std::set<std::string> flags;             // "master", "slave", "myself", "fail", "fail?", ...
    std::string master_id;                   // "-" for a master
    std::vector<std::pair<int, int>> slots;  // ranges; migration markers left out
  };

  explicit RedisCluster(int masters = 3, int replicas = 1)
      : masters_(masters), replicas_(replicas) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pubsub-cluster-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
  }
  ~RedisCluster() {
    nodes_.clear();  // each RedisServer SIGKILLs its process and removes its dir
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  // Starts the nodes, creates the cluster and waits until it is stable.
  bool Start(std::chrono::seconds timeout = std::chrono::seconds(120)) {
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < masters_ * (1 + replicas_); ++i) {
      std::unique_ptr<RedisServer> node;
      for (int attempt = 0; attempt < 5 && node == nullptr; ++attempt) {
        // The cluster bus port is chosen too (not port + 10000, which may be
        // beyond 65535 or taken).
        auto candidate = std::make_unique<RedisServer>(
            std::vector<std::string>{"--cluster-enabled", "yes", "--cluster-port",
                                     std::to_string(RedisServer::PickFreePort()),
                                     "--cluster-node-timeout", "1000", "--maxclients", "1000"});
        if (candidate->Start()) node = std::move(candidate);
      }
      if (node == nullptr) return Fail("a cluster node did not start");
      const uint16_t port = node->port();
      nodes_[port] = std::move(node);
      order_.push_back(port);
    }
    std::vector<std::string> args = {"/usr/bin/redis-cli", "--cluster", "create"};
    for (uint16_t port : order_) args.push_back("127.0.0.1:" + std::to_string(port));
    args.insert(args.end(), {"--cluster-replicas", std::to_string(replicas_), "--cluster-yes"});
    std::string output;
    if (Run(args, timeout, output) != 0 ||
        output.find("All 16384 slots covered") == std::string::npos) {
      return Fail("redis-cli --cluster create failed:\n" + output);
    }
    for (uint16_t port : order_) {
      ids_[port] = Text(port, {"CLUSTER", "MYID"});
      if (ids_[port].size() != 40) return Fail("no id from " + std::to_string(port));
    }
    if (!WaitUntilStable("the cluster to form", timeout)) return false;
    startup_ = std::chrono::steady_clock::now() - started;
    return true;
  }

  const std::string& error() const { return error_; }
  std::chrono::duration<double> startup_time() const { return startup_; }
  std::chrono::duration<double> failover_time() const { return failover_; }

  // "redis-cluster://127.0.0.1:p1,127.0.0.1:p2,..." (every node).
  std::string url() const {
    std::string out = "redis-cluster://";
    for (size_t i = 0; i < order_.size(); ++i) {
      out += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(order_[i]);
    }
    return out;
  }
  const std::vector<uint16_t>& ports() const { return order_; }
  RedisServer& node(uint16_t port) { return *nodes_.at(port); }
  const std::string& NodeId(uint16_t port) const { return ids_.at(port); }
  bool Running(uint16_t port) const { return nodes_.at(port)->running(); }
  std::vector<uint16_t> RunningPorts() const {
    std::vector<uint16_t> out;
    for (uint16_t port : order_) {
      if (Running(port)) out.push_back(port);
    }
    return out;
  }

  // Runs one command on the node; null when it cannot be reached.
  RawReply Command(uint16_t port, const std::vector<std::string>& args) {
    timeval timeout{5, 0};
    std::unique_ptr<redisContext, decltype(&redisFree)> context(
        redisConnectWithTimeout("127.0.0.1", port, timeout), &redisFree);
    if (context == nullptr || context->err != 0) return nullptr;
    redisSetTimeout(context.get(), timeout);
    std::vector<const char*> argv;
    std::vector<size_t> argvlen;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      argvlen.push_back(a.size());
    }
    return RawReply(static_cast<redisReply*>(redisCommandArgv(
        context.get(), static_cast<int>(argv.size()), argv.data(), argvlen.data())));
  }
  // The reply as text: a status, string, error ("MOVED 1 h:p") or integer;
  // "" when unreachable or another type.
  std::string Text(uint16_t port, const std::vector<std::string>& args) {
    RawReply reply = Command(port, args);
    if (reply == nullptr) return "";
    switch (reply->type) {
      case REDIS_REPLY_STATUS:
      case REDIS_REPLY_STRING:
      case REDIS_REPLY_ERROR:
        return std::string(reply->str, reply->len);
      case REDIS_REPLY_INTEGER:
        return std::to_string(reply->integer);
      default:
        return "";
    }
  }

  // "master", "slave", or "" (down), as the node itself says (ROLE).
  std::string Role(uint16_t port) {
    if (!Running(port)) return "";
    RawReply reply = Command(port, {"ROLE"});
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0 ||
        reply->element[0]->type != REDIS_REPLY_STRING) {
      return "";
    }
    return std::string(reply->element[0]->str, reply->element[0]->len);
  }
  std::vector<uint16_t> Masters() {
    std::vector<uint16_t> out;
    for (uint16_t port : order_) {
      if (Role(port) == "master") out.push_back(port);
    }
    return out;
  }
  // The replicas of the master on `port` (in the master's own view).
  std::vector<uint16_t> ReplicasOf(uint16_t port) {
    std::vector<uint16_t> out;
    for (const NodeView& n : ClusterNodes(port)) {
      if (n.master_id == NodeId(port)) out.push_back(n.port);
    }
    return out;
  }

  // CLUSTER NODES as `port` sees it (empty when it cannot be reached).
  std::vector<NodeView> ClusterNodes(uint16_t port) {
    std::vector<NodeView> out;
    std::istringstream lines(Text(port, {"CLUSTER", "NODES"}));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      std::vector<std::string> f;
      for (std::string field; fields >> field;) f.push_back(field);
      if (f.size() < 8) continue;
      NodeView view;
      view.id = f[0];
      const std::string address = f[1].substr(0, f[1].find('@'));
      view.port = static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
      std::istringstream flags(f[2]);
      for (std::string flag; std::getline(flags, flag, ',');) view.flags.insert(flag);
      view.master_id = f[3];
      for (size_t i = 8; i < f.size(); ++i) {
        if (f[i].starts_with("[")) continue;  // [slot->-id] / [slot-<-id]: a migration
        const size_t dash = f[i].find('-');
        const int first = std::stoi(f[i].substr(0, dash));
        view.slots.emplace_back(
            first, dash == std::string::npos ? first : std::stoi(f[i].substr(dash + 1)));
      }
      out.push_back(std::move(view));
    }
    return out;
  }

  // The master that owns `slot`, in the view of `view_port` (or of the first
  // running node).
  std::optional<uint16_t> MasterOfSlot(int slot, uint16_t view_port = 0) {
    if (view_port == 0) {
      const std::vector<uint16_t> running = RunningPorts();
      if (running.empty()) return std::nullopt;
      view_port = running.front();
    }
    for (const NodeView& n : ClusterNodes(view_port)) {
      if (!n.flags.contains("master")) continue;
      for (const auto& [first, last] : n.slots) {
        if (first <= slot && slot <= last) return n.port;
      }
    }
    return std::nullopt;
  }

  // Why the cluster is not stable yet (empty when it is): every running node
  // says cluster_state:ok, knows every node, sees no running node failed,
  // replicas are in sync, and all agree on a map that covers every slot with
  // running masters.
  std::vector<std::string> Problems() {
    std::vector<std::string> problems;
    std::set<std::map<std::pair<int, int>, uint16_t>> maps;
    for (uint16_t port : RunningPorts()) {
      const std::string p = std::to_string(port);
      if (Text(port, {"CLUSTER", "INFO"}).find("cluster_state:ok") == std::string::npos) {
        problems.push_back(p + ": cluster_state is not ok");
        continue;
      }
      const std::vector<NodeView> view = ClusterNodes(port);
      if (view.size() != order_.size()) problems.push_back(p + " does not know every node yet");
      std::map<std::pair<int, int>, uint16_t> map;
      int covered = 0;
      for (const NodeView& n : view) {
        const bool running = nodes_.contains(n.port) && Running(n.port);
        for (const char* bad : {"fail", "fail?", "handshake", "noaddr"}) {
          if (running && n.flags.contains(bad)) {
            problems.push_back(p + " sees " + std::to_string(n.port) + " as " + bad);
          }
        }
        if (!n.flags.contains("master")) continue;
        for (const auto& range : n.slots) {
          map[range] = n.port;
          covered += range.second - range.first + 1;
          if (!running)
            problems.push_back(p + " sees slots on the stopped " + std::to_string(n.port));
        }
      }
      if (covered != kSlots) problems.push_back(p + " sees " + std::to_string(covered) + " slots");
      if (Role(port) == "slave" &&
          Text(port, {"INFO", "replication"}).find("master_link_status:up") == std::string::npos) {
        problems.push_back(p + ": a replica not in sync with its master");
      }
      maps.insert(std::move(map));
    }
    if (maps.size() > 1) problems.push_back("the nodes disagree on the slot map");
    return problems;
  }

  bool WaitUntilStable(const std::string& what,
                       std::chrono::seconds timeout = std::chrono::seconds(90)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::string> problems = Problems();
    while (!problems.empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      problems = Problems();
    }
    if (problems.empty()) return true;
    std::string message = "timed out waiting for " + what + ":";
    for (size_t i = 0; i < problems.size() && i < 8; ++i) message += "\n  " + problems[i];
    const std::vector<uint16_t> running = RunningPorts();
    if (!running.empty()) {
      message += "\nCLUSTER NODES:\n" + Text(running.front(), {"CLUSTER", "NODES"});
    }
    return Fail(message);
  }

  // SIGKILL the master on `port` (a crash).
  bool KillMaster(uint16_t port) {
    if (Role(port) != "master") return Fail(std::to_string(port) + " is not a running master");
    killed_at_ = std::chrono::steady_clock::now();
    nodes_.at(port)->Kill();
    return true;
  }
  // Waits until a replica took over the killed master's slots and every
  // running node agrees; failover_time() then says how long it took.
  bool WaitForFailover(std::chrono::seconds timeout = std::chrono::seconds(90)) {
    if (!WaitUntilStable("the failover", timeout)) return false;
    failover_ = std::chrono::steady_clock::now() - killed_at_;
    return true;
  }
  // Starts a stopped node again (same port and nodes.conf): a former master
  // rejoins as a replica of the node that took over.
  bool Restart(uint16_t port, std::chrono::seconds timeout = std::chrono::seconds(90)) {
    if (!nodes_.at(port)->Start()) return Fail(std::to_string(port) + " did not restart");
    return WaitUntilStable("node " + std::to_string(port) + " to rejoin", timeout);
  }

  // SETSLOT IMPORTING on the target, then MIGRATING on the source (the order
  // redis-cli uses). Until FinishSlotMigration, the source answers ASK for
  // keys of the slot it no longer has.
  bool BeginSlotMigration(int slot, uint16_t from, uint16_t to) {
    if (MasterOfSlot(slot, from) != from) {
      return Fail("slot " + std::to_string(slot) + " is not on " + std::to_string(from));
    }
    const std::string s = std::to_string(slot);
    return Ok(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", NodeId(from)}) &&
           Ok(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", NodeId(to)});
  }
  // MIGRATEs the slot's keys, then SETSLOT NODE on the target, the source and
  // every other master; waits until every node agrees.
  bool FinishSlotMigration(int slot, uint16_t from, uint16_t to) {
    const std::string s = std::to_string(slot);
    while (true) {
      RawReply keys = Command(from, {"CLUSTER", "GETKEYSINSLOT", s, "100"});
      if (keys == nullptr || keys->type != REDIS_REPLY_ARRAY) return Fail("GETKEYSINSLOT failed");
      if (keys->elements == 0) break;
      std::vector<std::string> migrate = {"MIGRATE", "127.0.0.1", std::to_string(to), "", "0",
                                          "5000",    "KEYS"};
      for (size_t i = 0; i < keys->elements; ++i) {
        migrate.emplace_back(keys->element[i]->str, keys->element[i]->len);
      }
      if (!Ok(from, migrate)) return false;
    }
    const std::vector<std::string> node = {"CLUSTER", "SETSLOT", s, "NODE", NodeId(to)};
    if (!Ok(to, node) || !Ok(from, node)) return false;
    for (uint16_t port : Masters()) {
      if (port != from && port != to && !Ok(port, node)) return false;
    }
    return WaitUntilStable("slot " + s + " to move to " + std::to_string(to));
  }
  bool MoveSlot(int slot, uint16_t from, uint16_t to) {
    return BeginSlotMigration(slot, from, to) && FinishSlotMigration(slot, from, to);
  }

 private:
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  bool Ok(uint16_t port, const std::vector<std::string>& args) {
    const std::string reply = Text(port, args);
    if (reply == "OK" || reply == "NOKEY") return true;
    return Fail(args[0] + " " + args[1] + " on " + std::to_string(port) + ": " + reply);
  }

  // Runs a program (stdout and stderr into `output`); its exit code, or -1.
  int Run(const std::vector<std::string>& args, std::chrono::seconds timeout, std::string& output) {
    const std::string log = dir_ + "/run.log";
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int in = open("/dev/null", O_RDONLY);
      if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
      }
      if (in >= 0) dup2(in, STDIN_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        output = "(timed out)";
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    output = text.str();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  int masters_;
  int replicas_;
  std::string dir_;
  std::map<uint16_t, std::unique_ptr<RedisServer>> nodes_;
  std::vector<uint16_t> order_;
  std::map<uint16_t, std::string> ids_;
  std::string error_;
  std::chrono::duration<double> startup_{0};
  std::chrono::duration<double> failover_{0};
  std::chrono::steady_clock::time_point killed_at_ = std::chrono::steady_clock::now();
};

}  // namespace pubsub::testing

#endif  // PUBSUB_TESTS_REDIS_REDIS_CLUSTER_FIXTURE_H_
