#include "server/gateway/loop_pool.h"

namespace pubsub::gateway {
namespace {
thread_local int current_loop_index = -1;
}

LoopPool::LoopPool(size_t count) {
  if (count == 0) count = 1;
  for (size_t i = 0; i < count; ++i) {
    auto loop = std::make_unique<Loop>();
    // Concurrency hint 1: each context is run by exactly one thread, so Asio
    // can skip the locking it would otherwise need.
    loop->context = std::make_unique<boost::asio::io_context>(1);
    loop->work.emplace(loop->context->get_executor());
    loops_.push_back(std::move(loop));
  }
}

LoopPool::~LoopPool() {
  Stop();
  Join();
}

void LoopPool::Start(std::function<void(std::exception_ptr)> on_exception) {
  for (size_t i = 0; i < loops_.size(); ++i) {
    Loop* loop = loops_[i].get();
    loop->thread = std::thread([loop, i, on_exception] {
      current_loop_index = static_cast<int>(i);
      for (;;) {
        try {
          loop->context->run();
          return;
        } catch (...) {
          if (on_exception) on_exception(std::current_exception());
        }
      }
    });
  }
}

void LoopPool::Stop() {
  for (auto& loop : loops_) {
    loop->work.reset();
    loop->context->stop();
  }
}

void LoopPool::Join() {
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

int LoopPool::CurrentIndex() { return current_loop_index; }

}  // namespace pubsub::gateway
