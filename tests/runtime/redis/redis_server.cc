#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pubsub::testing {

void ReplyFree::operator()(redisReply* reply) const { freeReplyObject(reply); }

RedisServer::RedisServer(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
  for (size_t i = 0; i + 1 < extra_args_.size(); ++i) {
    if (extra_args_[i] == "--requirepass") password_ = extra_args_[i + 1];
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "pubsub-redis-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
}

RedisServer::~RedisServer() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

uint16_t RedisServer::PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot pick a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

uint16_t RedisServer::port() {
  if (port_ == 0) port_ = PickFreePort();
  port_known_ = true;
  return port_;
}

bool RedisServer::Start() {
  if (running()) return true;
  for (int attempt = 1;; ++attempt) {
    if (StartOnce()) {
      port_known_ = true;
      return true;
    }
    // Tests run in parallel: another process may have taken the port
    // between picking it and the server binding it. Pick another, unless
    // the port was promised to someone or the retries are spent.
    if (port_known_ || attempt == 5) return false;
    port_ = PickFreePort();
  }
}

bool RedisServer::StartOnce() {
  if (port_ == 0) port_ = PickFreePort();
  const std::string port_text = std::to_string(port_);
  const std::string log_path = dir_ + "/redis.log";
  std::vector<std::string> args = {
      "/usr/bin/redis-server", "--port", port_text, "--bind", "127.0.0.1", "--save", "",
      "--appendonly",          "no",     "--dir",   dir_,     "--logfile", log_path};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  // Built before fork: the child of a multi-threaded process may only make
  // async-signal-safe calls.
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // The server must not outlive a crashed test.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: e.g. the port was taken
      pid_ = -1;
      return false;
    }
    RawReply pong = Command({"PING"});
    if (pong != nullptr && pong->type == REDIS_REPLY_STATUS) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return false;
}

void RedisServer::Kill() {
  if (!running()) return;
  // SIGKILL ends a frozen (SIGSTOPped) process too, without letting it run.
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServer::Freeze() {
  if (running()) kill(pid_, SIGSTOP);
}

void RedisServer::Thaw() {
  if (running()) kill(pid_, SIGCONT);
}

std::string RedisServer::log() const {
  std::ifstream in(dir_ + "/redis.log");
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

RawReply RedisServer::Command(std::initializer_list<std::string_view> args) {
  timeval timeout{2, 0};
  std::unique_ptr<redisContext, decltype(&redisFree)> context(
      redisConnectWithTimeout("127.0.0.1", port_, timeout), &redisFree);
  if (context == nullptr || context->err != 0) return nullptr;
  redisSetTimeout(context.get(), timeout);
  if (!password_.empty()) {
    RawReply auth(static_cast<redisReply*>(
        redisCommand(context.get(), "AUTH %b", password_.data(), password_.size())));
    if (auth == nullptr || auth->type == REDIS_REPLY_ERROR) return nullptr;
  }
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  return RawReply(static_cast<redisReply*>(
      redisCommandArgv(context.get(), static_cast<int>(argv.size()), argv.data(), argvlen.data())));
}

long long RedisServer::NumSub(std::string_view channel) {
  RawReply reply = Command({"PUBSUB", "NUMSUB", channel});
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[1]->type != REDIS_REPLY_INTEGER) {
    return -1;
  }
  return reply->element[1]->integer;
}

}  // namespace pubsub::testing
