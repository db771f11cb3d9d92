#include "server/gateway/topic_history.h"

#include <algorithm>
#include <utility>

#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace {

bool Follows(const Position& next, const Position& last) {
  return next.epoch == last.epoch && next.seq == last.seq + 1;
}

int64_t CostOf(const DeliveryPtr& delivery) {
  return static_cast<int64_t>(delivery->plain.storage.size() + delivery->recovery.storage.size() +
                              sizeof(Delivery));
}

}  // namespace

std::atomic<int64_t>& TopicHistory::CachedBytesBudget() {
  static std::atomic<int64_t> budget{int64_t{64} << 20};
  return budget;
}

TopicHistory::TopicHistory(HistoryPolicy policy, size_t channel_index, Hooks hooks)
    : policy_(policy), channel_index_(channel_index), hooks_(std::move(hooks)) {}

TopicHistory::~TopicHistory() {
  std::lock_guard lock(mutex_);
  DropTail();
}

void TopicHistory::DropTail() {
  CachedBytesBudget().fetch_add(tail_bytes_);
  tail_bytes_ = 0;
  tail_.clear();
  tail_valid_ = false;
}

void TopicHistory::Append(const DeliveryPtr& delivery) {
  if (!tail_valid_) return;
  if (!tail_.empty() && !Follows(*delivery->position, *tail_.back()->position)) {
    DropTail();
    return;
  }
  const int64_t cost = CostOf(delivery);
  if (CachedBytesBudget().fetch_sub(cost) < cost) {
    CachedBytesBudget().fetch_add(cost);
    DropTail();  // over budget: recoveries read the bus instead
    return;
  }
  tail_bytes_ += cost;
  tail_.push_back(delivery);
  while (tail_.size() > std::min<size_t>(std::max<uint32_t>(policy_.size, 1), kMaxTailEvents)) {
    const int64_t freed = CostOf(tail_.front());
    tail_bytes_ -= freed;
    CachedBytesBudget().fetch_add(freed);
    tail_.pop_front();
  }
}

bool TopicHistory::BeginRead() {
  if (reading_) return false;
  reading_ = true;
  recorded_.clear();
  return true;
}

void TopicHistory::IssueRead() {
  reads_.fetch_add(1);
  // The newest events (a bounded window of the kept history): it rebuilds
  // the tail and fills any gap that is not larger.
  hooks_.read(kReadNewest, [this](absl::StatusOr<HistoryRead> read) { OnRead(std::move(read)); });
}

void TopicHistory::OnLive(DeliveryPtr delivery) {
  bool issue = false;
  std::vector<DeliveryPtr> out;
  std::unique_lock order(deliver_mutex_);
  {
    std::lock_guard lock(mutex_);
    const Position& position = *delivery->position;
    if (catching_up_) {
      held_bytes_ += delivery->recovery.bytes().size();
      held_.push_back(std::move(delivery));
      if (held_.size() > kMaxHeld || held_bytes_ > kMaxHeldBytes) {
        GiveUpGap("too many events arrived while the gap was being read", {}, last_, out);
      } else if (!reading_) {
        issue = BeginRead();  // the last read failed: the bus is back, try again
      }
    } else if (last_.epoch.empty() || Follows(position, last_)) {
      last_ = position;
      Append(delivery);
      if (reading_) recorded_.push_back(delivery);
      out.push_back(std::move(delivery));
    } else if (position.epoch == last_.epoch && position.seq <= last_.seq) {
      return;  // already delivered (the bus delivered it twice)
    } else {
      // A gap: hold what comes until history says what was missed.
      spdlog::info("hub: {} after {}: reading history to fill the gap", position.ToString(),
                   last_.ToString());
      catching_up_ = true;
      held_bytes_ = delivery->recovery.bytes().size();
      held_.push_back(std::move(delivery));
      DropTail();
      issue = BeginRead();
    }
  }
  for (DeliveryPtr& d : out) hooks_.deliver(std::move(d));
  order.unlock();
  if (issue) IssueRead();
}

void TopicHistory::OnResubscribed() {
  bool issue = false;
  {
    std::lock_guard lock(mutex_);
    if (last_.epoch.empty() || catching_up_) return;
    // Events stored while the subscription was down never came live.
    catching_up_ = true;
    DropTail();
    issue = BeginRead();
  }
  if (issue) IssueRead();
}

void TopicHistory::Recover(std::optional<Position> since, RecoveryCallback done) {
  bool issue = false;
  std::optional<Recovery> answer;
  {
    std::lock_guard lock(mutex_);
    if (tail_valid_ && !catching_up_) {
      answer = Answer(since);
    } else {
      waiters_.push_back(Waiter{std::move(since), std::move(done)});
      issue = BeginRead();
    }
  }
  // Outside the lock: `done` may take other locks.
  if (answer) done(*std::move(answer));
  if (issue) IssueRead();
}

void TopicHistory::GiveUpGap(std::string reason, const std::vector<DeliveryPtr>& kept, Position at,
                             std::vector<DeliveryPtr>& out) {
  // What the clients already have (the same epoch, not after last_) is not
  // given again, nor does it say where they stand.
  const Position had = last_;
  auto is_new = [&had](const DeliveryPtr& d) {
    return d->position->epoch != had.epoch || d->position->seq > had.seq;
  };
  auto first_kept = std::find_if(kept.begin(), kept.end(), is_new);
  auto first_held = std::find_if(held_.begin(), held_.end(), is_new);
  const DeliveryPtr* next = first_kept != kept.end()    ? &*first_kept
                            : first_held != held_.end() ? &*first_held
                                                        : nullptr;
  if (next != nullptr) at = Position{(*next)->position->epoch, (*next)->position->seq - 1};
  out.push_back(MakeRecoveryControl(false, at, reason, channel_index_));
  last_ = at;
  auto give = [&](DeliveryPtr d) {
    const Position& position = *d->position;
    if (position.epoch == last_.epoch && position.seq <= last_.seq) return;
    last_ = position;
    out.push_back(std::move(d));
  };
  std::for_each(first_kept, kept.end(), give);
  std::for_each(first_held, held_.end(), give);
  held_.clear();
  held_bytes_ = 0;
  catching_up_ = false;
}

void TopicHistory::OnRead(absl::StatusOr<HistoryRead> read) {
  std::vector<DeliveryPtr> out;
  std::vector<std::pair<RecoveryCallback, Recovery>> answers;
  bool again = false;
  std::unique_lock order(deliver_mutex_);
  {
    std::lock_guard lock(mutex_);
    reading_ = false;
    // A read that ran before the events of a gap were stored cannot tell:
    // read again (the held event proves they are stored by now).
    if (read.ok() && catching_up_ && !held_.empty() && read->epoch == last_.epoch &&
        held_.front()->position->epoch == read->epoch &&
        read->last_seq + 1 < held_.front()->position->seq) {
      again = BeginRead();
    } else if (!read.ok()) {
      // A gap stays open (live events held) until a read answers: the next
      // live event retries it, since the bus is back by then.
      for (Waiter& w : waiters_) {
        answers.emplace_back(std::move(w.done),
                             Recovery{.recovered = false,
                                      .position = last_,
                                      .reason = "history unavailable: " + read.status().ToString(),
                                      .missed = {}});
      }
      waiters_.clear();
    } else {
      std::vector<DeliveryPtr> stored;
      stored.reserve(read->envelopes.size());
      for (const std::string& envelope : read->envelopes) {
        if (DeliveryPtr d = hooks_.render(envelope); d != nullptr && d->position) {
          stored.push_back(std::move(d));
        }
      }
      if (catching_up_) {
        if (last_.epoch.empty() || read->Covers(last_)) {
          for (DeliveryPtr& d : stored) {
            if (last_.epoch.empty() || Follows(*d->position, last_)) {
              last_ = *d->position;
              out.push_back(d);
            }
          }
          std::vector<DeliveryPtr> held = std::move(held_);
          held_.clear();
          held_bytes_ = 0;
          catching_up_ = false;
          for (DeliveryPtr& d : held) {
            if (Follows(*d->position, last_) || d->position->epoch != last_.epoch) {
              last_ = *d->position;
              out.push_back(std::move(d));
            }
          }
        } else {
          const std::string reason = read->epoch != last_.epoch
                                         ? "history was lost (a new epoch began)"
                                         : "events were missed and are no longer kept";
          GiveUpGap(reason, stored, Position{read->epoch, read->last_seq}, out);
        }
      } else if (last_.epoch.empty()) {
        last_ = Position{read->epoch, read->last_seq};
      }
      // The tail: the read, then what came live while it was in flight.
      DropTail();
      if (read->epoch == last_.epoch) {
        tail_valid_ = true;
        tail_epoch_ = read->epoch;
        for (const DeliveryPtr& d : stored) Append(d);
        for (const DeliveryPtr& d : recorded_) {
          if (tail_valid_ && (tail_.empty() || d->position->seq > tail_.back()->position->seq)) {
            Append(d);
          }
        }
        if (tail_valid_ && !tail_.empty() && tail_.back()->position->seq != last_.seq) DropTail();
      }
      recorded_.clear();
      for (Waiter& w : waiters_) {
        Recovery answer;
        if (tail_valid_) {
          answer = Answer(w.since);
        } else {
          // No tail (over budget, or no consistent view yet): from the read.
          answer.position = Position{read->epoch, read->last_seq};
          if (!w.since) {
            answer.recovered = true;
          } else if (read->Covers(*w.since)) {
            answer.recovered = true;
            for (const DeliveryPtr& d : stored) {
              if (d->position->seq > w.since->seq) answer.missed.push_back(d);
            }
          } else {
            answer.reason = "the position is not in the kept history";
            if (read->epoch == last_.epoch) answer.missed = stored;
          }
        }
        answers.emplace_back(std::move(w.done), std::move(answer));
      }
      waiters_.clear();
    }
  }
  for (DeliveryPtr& d : out) hooks_.deliver(std::move(d));
  order.unlock();
  for (auto& [done, answer] : answers) done(std::move(answer));
  if (again) IssueRead();
}

TopicHistory::Recovery TopicHistory::Answer(const std::optional<Position>& since) const {
  Recovery answer;
  answer.position = last_;
  if (!since) {
    answer.recovered = true;
    return answer;
  }
  // Not recoverable: say why, and hand over what is kept.
  auto kept = [&](std::string reason) {
    answer.reason = std::move(reason);
    answer.missed.assign(tail_.begin(), tail_.end());
    return answer;
  };
  if (since->epoch != last_.epoch) {
    return kept("the position is of another epoch: history was lost or expired");
  }
  if (since->seq > last_.seq) return kept("the position is ahead of the history: history was lost");
  const uint64_t first = tail_.empty() ? last_.seq + 1 : tail_.front()->position->seq;
  if (since->seq + 1 < first) return kept("events after the position are no longer kept");
  answer.recovered = true;
  for (const DeliveryPtr& d : tail_) {
    if (d->position->seq > since->seq) answer.missed.push_back(d);
  }
  return answer;
}

}  // namespace pubsub::gateway
