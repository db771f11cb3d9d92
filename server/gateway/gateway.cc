#include "server/gateway/gateway.h"

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <boost/asio/post.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/gateway/ws_session.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace asio = boost::asio;

Gateway::Gateway(const GatewayConfig& config, const Registry& registry, Bus& bus)
    : config_(config), registry_(registry), bus_(bus) {}

Gateway::~Gateway() { Shutdown(); }

absl::Status Gateway::Init() {
  if (context_) return absl::OkStatus();
  const size_t threads = std::min<size_t>(std::max<size_t>(config_.threads, 1), 64);
  loops_ = std::make_unique<LoopPool>(threads);
  metrics_ = std::make_unique<Metrics>(threads, registry_);
  if (extra_metrics_) metrics_->SetExtraSource(extra_metrics_);
  if (bus_stats_) metrics_->SetBusStatsSource(bus_stats_);
  for (auto& [component, count] : exception_sources_)
    metrics_->AddExceptionSource(component, count);
  presence_ = std::make_unique<Presence>();
  hub_ = std::make_unique<Hub>(bus_, registry_, *loops_, *metrics_,
                               HubOptions{.max_loop_queue_bytes = config_.loop_queue_bytes,
                                          .max_render_queue_bytes = config_.loop_queue_bytes});
  publisher_ = std::make_unique<Publisher>(bus_);
  router_ = std::make_unique<routing::Router>(registry_);

  if (!config_.dev_auth) {
    auto verifier = auth::MakeVerifierFromConfig(config_);
    if (!verifier.ok()) return verifier.status();
    verifier_ = std::move(*verifier);
  }
  auth::PublisherKeyPolicy publisher_key;
  publisher_key.allow_without_key = config_.dev_auth;
  if (!config_.publisher_key_file.empty()) {
    auto key = auth::ReadSecretFile(config_.publisher_key_file);
    if (!key.ok()) return key.status();
    publisher_key.key = std::move(*key);
  }

  context_.reset(new GatewayContext{
      .config = config_,
      .registry = registry_,
      .bus = bus_,
      .publisher = *publisher_,
      .loops = *loops_,
      .hub = *hub_,
      .metrics = *metrics_,
      .presence = *presence_,
      .router = *router_,
      .verifier = verifier_.get(),
      .publisher_key = std::move(publisher_key),
      .http_limits = http::HttpLimits{},
      .loop_sessions = std::vector<LoopSessions>(threads),
  });
  return absl::OkStatus();
}

absl::Status Gateway::Start() {
  if (auto status = Init(); !status.ok()) return status;

  listener_ = std::make_unique<Listener>(*context_);
  boost::system::error_code error;
  auto address = asio::ip::make_address(config_.listen_host, error);
  if (error) {
    return absl::InvalidArgumentError("--listen: bad address '" + config_.listen_host + "'");
  }
  if (auto status = listener_->Bind({address, config_.listen_port}); !status.ok()) return status;

  for (size_t i = 0; i < loops_->size(); ++i) {
    sweep_timers_.push_back(std::make_unique<asio::steady_timer>(loops_->loop(i)));
    ArmSweep(i);
  }
  presence_reporter_ =
      std::make_shared<PresenceReporter>(bus_, *presence_, loops_->loop(0).get_executor());
  presence_reporter_->Start();
  listener_->Start();
  started_ = true;
  loops_->Start([metrics = metrics_.get()](std::exception_ptr error) {
    metrics->CountException(Component::kLoop);
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("loop {}: internal error in a handler: {}", LoopPool::CurrentIndex(), e.what());
    } catch (...) {
      spdlog::error("loop {}: internal error in a handler", LoopPool::CurrentIndex());
    }
  });
  return absl::OkStatus();
}

void Gateway::ArmSweep(size_t loop) {
  auto& timer = *sweep_timers_[loop];
  timer.expires_after(std::chrono::seconds(1));
  timer.async_wait([this, loop](boost::system::error_code error) {
    if (error) return;
    const auto now = std::chrono::steady_clock::now();
    // Backwards: a session that finishes moves the last one into its place.
    auto& sessions = context_->loop_sessions[loop].sessions;
    for (size_t i = sessions.size(); i-- > 0;) {
      if (i < sessions.size()) sessions[i]->Sweep(now);
    }
    ArmSweep(loop);
  });
}

void Gateway::ForEachSession(const std::function<void(WsSession&)>& action) {
  std::vector<std::future<void>> done;
  for (size_t i = 0; i < loops_->size(); ++i) {
    auto task = std::make_shared<std::packaged_task<void()>>([this, i, &action] {
      // Copy: actions may finish sessions, which edits the table.
      std::vector<std::shared_ptr<WsSession>> sessions;
      for (WsSession* s : context_->loop_sessions[i].sessions)
        sessions.push_back(s->shared_from_this());
      for (auto& s : sessions) action(*s);
    });
    done.push_back(task->get_future());
    asio::post(loops_->loop(i), [task] { (*task)(); });
  }
  for (auto& f : done) f.wait();
}

void Gateway::Shutdown() {
  if (stopped_ || !loops_) return;
  stopped_ = true;
  if (started_) {
    context_->shutting_down.store(true);
    if (listener_) listener_->Stop();
    if (presence_reporter_) presence_reporter_->Stop();
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(config_.shutdown_timeout_seconds);
    ForEachSession([](WsSession& s) { s.Close(1001, "server shutting down"); });
    while (context_->live_sessions.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (const int64_t left = context_->live_sessions.load(); left > 0) {
      spdlog::warn("shutdown: dropping {} connection(s) that did not close in time", left);
      ForEachSession([](WsSession& s) { s.Abort(); });
    }
    for (auto& timer : sweep_timers_) {
      asio::post(timer->get_executor(), [t = timer.get()] { t->cancel(); });
    }
  }
  loops_->Stop();
  loops_->Join();
}

}  // namespace pubsub::gateway
