#include "engine/apply.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "engine/by_address.h"

namespace keyward::engine {
namespace {

bool Executes(const Change& c) { return IsWrite(c.action) && !c.report_only; }

// Returns an error when the change needs a permission the user did not give.
std::optional<Error> Refusal(const Change& c, const ApplyOptions& options,
                             const HandlerRegistry& handlers) {
  const ResourceHandler* handler = handlers.Find(c.kind);
  const bool guarded_kind = handler && handler->Traits().delete_needs_allow_destroy;
  auto refuse = [&](const std::string& why) {
    return Error{ErrorCode::kFailedPrecondition,
                 "refusing to " + std::string(ActionName(c.action)) + " " + c.address + ": " + why,
                 {}};
  };
  switch (c.action) {
    case Action::kDelete:
      if (guarded_kind && !options.allow_destroy)
        return refuse("deleting a " + c.kind + " needs --allow-destroy");
      break;
    case Action::kPurgeThenCreate:
      if (!options.allow_destroy)
        return refuse("purging is irreversible and needs --allow-destroy");
      break;
    case Action::kReplace:
      if (!options.allow_replace)
        return refuse("replacing deletes and re-creates it and needs --allow-replace");
      if (guarded_kind && !options.allow_destroy)
        return refuse("replacing a " + c.kind + " needs --allow-destroy as well");
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::chrono::milliseconds Since(const Clock& clock, Clock::TimePoint start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now() - start);
}

class Executor {
 public:
  Executor(const Plan& plan, const DesiredSet* desired, const HandlerRegistry& handlers,
           const ApplyOptions& options, ApplyObserver& observer, const Context& ctx)
      : plan_(plan),
        desired_(desired),
        desired_by_address_(desired ? desired->resources : kNoResources),
        handlers_(handlers),
        options_(options),
        observer_(observer),
        ctx_(ctx),
        nodes_(plan.changes.size()),
        outcomes_(plan.changes.size()) {
    if (desired_) plan_options_.stack = desired_->config.stack;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < plan_.changes.size(); ++i) index.emplace(plan_.changes[i].address, i);
    for (size_t i = 0; i < plan_.changes.size(); ++i) {
      std::set<size_t> deps;
      for (const std::string& address : plan_.changes[i].depends_on) {
        auto it = index.find(address);
        if (it != index.end() && it->second != i) deps.insert(it->second);
      }
      nodes_[i].pending = deps.size();
      for (size_t d : deps) nodes_[d].dependents.push_back(i);
    }
    unresolved_ = nodes_.size();
  }

  ApplyReport Run() {
    std::vector<Event> events;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::vector<size_t> roots;
      for (size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].pending == 0) roots.push_back(i);
      Admit(std::move(roots), &events);
    }
    Emit(events);

    size_t executable = 0;
    for (const Change& c : plan_.changes) executable += Executes(c) ? 1 : 0;
    const size_t workers =
        std::max<size_t>(1, std::min<size_t>(std::max(1, options_.parallelism), executable));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < workers; ++i) threads.emplace_back([this] { Work(); });
    for (auto& t : threads) t.join();

    ApplyReport report;
    report.lock_lost = lock_lost_;
    for (size_t i = 0; i < plan_.changes.size(); ++i) {
      const Change& c = plan_.changes[i];
      report.results.push_back({c.address, c.kind, c.action, outcomes_[i]});
      switch (outcomes_[i].status) {
        case ChangeStatus::kSucceeded:
          ++report.succeeded;
          break;
        case ChangeStatus::kFailed:
          ++report.failed;
          break;
        case ChangeStatus::kSkipped:
          ++report.skipped;
          break;
        case ChangeStatus::kBlocked:
          ++report.blocked;
          break;
        case ChangeStatus::kNotExecuted:
          ++report.not_executed;
          break;
      }
    }
    return report;
  }

 private:
  struct Node {
    std::vector<size_t> dependents;
    size_t pending = 0;       // unsettled dependencies
    std::string poisoned_by;  // address of a failed/skipped/blocked dependency, "" if none
    bool settled = false;
  };
  struct Event {  // an OnFinished to deliver once mu_ is released
    size_t index;
  };

  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] {
        return unresolved_ == 0 || in_flight_ == 0 || (!ready_.empty() && !Stopping());
      });
      if (unresolved_ == 0) return;
      // Fencing: the stack lease is checked before each change starts (and the ARM pipeline
      // checks it again before each write request). Once it has lapsed, nothing new starts.
      if (!ready_.empty() && !Stopping()) {
        if (auto lost = ctx_.CheckWrite()) lock_lost_ = std::move(*lost);
      }
      if (Stopping() || ready_.empty()) {
        if (in_flight_ > 0) continue;  // let in-flight changes finish first
        // Cancelled, lock lost, or nothing can ever become ready (a cycle validation missed).
        const bool stopping = Stopping();
        std::vector<Event> events;
        for (size_t i = 0; i < nodes_.size(); ++i) {
          if (nodes_[i].settled) continue;
          Error error = stopping ? StoppedError()
                                 : Error{ErrorCode::kInternal, "skipped: dependency cycle", {}};
          Settle(i,
                 Executes(plan_.changes[i]) ? ChangeStatus::kSkipped : ChangeStatus::kNotExecuted,
                 std::move(error), &events);
        }
        ready_.clear();
        cv_.notify_all();
        lock.unlock();
        Emit(events);
        return;
      }
      const size_t i = *ready_.begin();
      ready_.erase(ready_.begin());
      ++in_flight_;
      lock.unlock();

      ChangeOutcome outcome = Execute(plan_.changes[i]);
      {
        std::lock_guard<std::mutex> observer_lock(observer_mu_);
        observer_.OnFinished(plan_.changes[i], outcome);
      }

      lock.lock();
      --in_flight_;
      std::vector<Event> events;
      outcomes_[i] = std::move(outcome);
      MarkSettled(i, outcomes_[i].status != ChangeStatus::kSucceeded, &events);
      cv_.notify_all();
      lock.unlock();
      Emit(events);
      lock.lock();
    }
  }

  // mu_ held. Records an outcome decided without running the handler, then propagates.
  void Settle(size_t i, ChangeStatus status, Error error, std::vector<Event>* events) {
    outcomes_[i].status = status;
    outcomes_[i].error = std::move(error);
    if (status != ChangeStatus::kNotExecuted) events->push_back({i});
    const bool poison = status == ChangeStatus::kFailed || status == ChangeStatus::kSkipped ||
                        status == ChangeStatus::kBlocked || !nodes_[i].poisoned_by.empty();
    MarkSettled(i, poison, events);
  }

  // mu_ held. Marks node i settled and admits dependents whose last dependency it was.
  void MarkSettled(size_t i, bool poison, std::vector<Event>* events) {
    nodes_[i].settled = true;
    --unresolved_;
    std::vector<size_t> now_ready;
    for (size_t d : nodes_[i].dependents) {
      if (nodes_[d].settled) continue;  // settled early by cancellation / cycle handling
      // Name the root cause, not the chain of skipped changes in between.
      if (poison && nodes_[d].poisoned_by.empty())
        nodes_[d].poisoned_by =
            nodes_[i].poisoned_by.empty() ? plan_.changes[i].address : nodes_[i].poisoned_by;
      if (--nodes_[d].pending == 0) now_ready.push_back(d);
    }
    Admit(std::move(now_ready), events);
  }

  // mu_ held. Nodes whose dependencies are all settled: settle the ones that need no handler
  // call right away, queue the rest.
  void Admit(std::vector<size_t> nodes, std::vector<Event>* events) {
    for (size_t i : nodes) {
      const Change& c = plan_.changes[i];
      const Node& node = nodes_[i];
      if (!Executes(c)) {
        if (c.action == Action::kBlocked && !c.report_only) {
          Settle(i, ChangeStatus::kBlocked,
                 {ErrorCode::kFailedPrecondition, "blocked: " + c.reason, c.reason_code}, events);
        } else {
          Settle(i, ChangeStatus::kNotExecuted, {}, events);
        }
      } else if (plan_has_errors_) {
        Settle(i, ChangeStatus::kSkipped,
               {ErrorCode::kFailedPrecondition, "skipped: the plan has errors", {}}, events);
      } else if (!node.poisoned_by.empty()) {
        Settle(i, ChangeStatus::kSkipped,
               {ErrorCode::kAborted, "skipped: dependency failed (" + node.poisoned_by + ")", {}},
               events);
      } else if (Stopping()) {
        Settle(i, ChangeStatus::kSkipped, StoppedError(), events);
      } else if (auto refusal = Refusal(c, options_, handlers_)) {
        Settle(i, ChangeStatus::kFailed, std::move(*refusal), events);
      } else {
        ready_.insert(i);  // lowest plan index first: deterministic with parallelism 1
      }
    }
  }

  // mu_ held. No new change may start: cancelled, or the stack lease lapsed.
  bool Stopping() const { return lock_lost_.has_value() || ctx_.IsCancelled(); }
  Error StoppedError() const {
    if (lock_lost_) return {ErrorCode::kAborted, "skipped: " + lock_lost_->message, {}};
    return {ErrorCode::kCancelled, "skipped: apply cancelled", {}};
  }

  void Emit(const std::vector<Event>& events) {
    std::lock_guard<std::mutex> observer_lock(observer_mu_);
    for (const Event& e : events) observer_.OnFinished(plan_.changes[e.index], outcomes_[e.index]);
  }

  // Runs one change through its handler, then verifies it. No engine lock held.
  ChangeOutcome Execute(const Change& change) {
    const Clock& clock = *ctx_.clock;
    const Clock::TimePoint start = clock.Now();
    {
      std::lock_guard<std::mutex> observer_lock(observer_mu_);
      observer_.OnStarted(change);
    }
    ChangeOutcome outcome;
    auto fail = [&](Error error) {
      outcome.status = ChangeStatus::kFailed;
      outcome.error = std::move(error);
      outcome.elapsed = Since(clock, start);
      return outcome;
    };
    ResourceHandler* handler = handlers_.Find(change.kind);
    if (!handler)
      return fail({ErrorCode::kInternal, "no handler for kind '" + change.kind + "'", {}});
    const DesiredResource* desired = desired_by_address_.Find(change.address);

    Result<ApplyResponse> response = MakeError(ErrorCode::kInternal, "not run");
    try {
      response = handler->Apply(
          ApplyRequest{&change, desired, desired_ ? &desired_->config : nullptr}, ctx_);
    } catch (const std::exception& e) {
      // Panic containment (controller-runtime): one bad handler call fails one change.
      return fail({ErrorCode::kInternal, std::string("handler threw: ") + e.what(), {}});
    } catch (...) {
      return fail({ErrorCode::kInternal, "handler threw a non-standard exception", {}});
    }
    if (!response) return fail(response.error());

    if (auto mismatch = Verify(change, desired, *handler, *response, &outcome.verified))
      return fail(std::move(*mismatch));
    outcome.status = ChangeStatus::kSucceeded;
    outcome.fingerprint = response->fingerprint;
    outcome.elapsed = Since(clock, start);
    return outcome;
  }

  std::optional<Error> Verify(const Change& change, const DesiredResource* desired,
                              const ResourceHandler& handler, const ApplyResponse& response,
                              bool* verified) const {
    constexpr char kPrefix[] = "applied but live state does not match the plan: ";
    if (change.action == Action::kDelete) {
      if (!response.live.is_null())
        return Error{ErrorCode::kAborted, std::string(kPrefix) + "the resource still exists", {}};
      *verified = true;
      return std::nullopt;
    }
    if (!desired) return std::nullopt;  // nothing to re-plan against; see apply.h
    if (response.live.is_null())
      return Error{ErrorCode::kAborted, std::string(kPrefix) + "the resource was not found", {}};
    ObservedResource observed;
    observed.kind = change.kind;
    observed.address = change.address;
    observed.arm_id = change.arm_id;
    observed.live = response.live;
    observed.fingerprint = response.fingerprint;
    PlanChangeRequest request;
    request.desired = desired;
    request.observed = &observed;
    request.options = &plan_options_;
    Change again;
    try {
      again = handler.PlanChange(request);
    } catch (const std::exception& e) {
      return Error{
          ErrorCode::kInternal, std::string("handler threw while verifying: ") + e.what(), {}};
    }
    if (again.action != Action::kNoOp) {
      std::string what;
      for (const FieldChange& f : again.field_changes) what += (what.empty() ? "" : ", ") + f.path;
      if (what.empty()) what = std::string("re-plan gives ") + ActionName(again.action);
      return Error{ErrorCode::kAborted, kPrefix + what, again.reason_code};
    }
    *verified = true;
    return std::nullopt;
  }

  const Plan& plan_;
  const DesiredSet* desired_;
  static inline const std::vector<DesiredResource> kNoResources;
  const ByAddress<DesiredResource> desired_by_address_;  // one lookup per change, not a scan
  const HandlerRegistry& handlers_;
  const ApplyOptions& options_;
  ApplyObserver& observer_;
  const Context& ctx_;
  PlanOptions plan_options_;
  const bool plan_has_errors_ = plan_.diagnostics.HasErrors();

  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::vector<Node> nodes_;
  std::vector<ChangeOutcome> outcomes_;
  std::set<size_t> ready_;
  size_t in_flight_ = 0;
  size_t unresolved_ = 0;
  std::optional<Error> lock_lost_;  // set once the write guard refused; never cleared

  std::mutex observer_mu_;  // serializes observer calls; never taken before mu_
};

}  // namespace

const char* ChangeStatusName(ChangeStatus status) {
  switch (status) {
    case ChangeStatus::kSucceeded:
      return "succeeded";
    case ChangeStatus::kFailed:
      return "failed";
    case ChangeStatus::kSkipped:
      return "skipped";
    case ChangeStatus::kBlocked:
      return "blocked";
    case ChangeStatus::kNotExecuted:
      return "not-executed";
  }
  return "unknown";
}

const ChangeResult* ApplyReport::Find(const std::string& address) const {
  for (const auto& r : results)
    if (r.address == address) return &r;
  return nullptr;
}

ApplyReport Apply(const Plan& plan, const DesiredSet* desired, const HandlerRegistry& handlers,
                  const ApplyOptions& options, ApplyObserver& observer, const Context& ctx) {
  return Executor(plan, desired, handlers, options, observer, ctx).Run();
}

}  // namespace keyward::engine
