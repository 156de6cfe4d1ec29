#pragma once
// provider_pools for a caller that is itself an event-based CAF actor (a gateway loop's broker,
// or the runtime's one-shot helper behind the blocking bridges): each call is a request to the
// provider's current supervisor, and its callback runs in `self`'s context when the answer, an
// error or the timeout arrives. Internal to actors/ (it includes CAF).
//
// Every callback runs exactly once: from the answer, from the request's error (the supervisor
// died: restarting; no answer in the bound: timeout), or, for calls still pending when the
// client is destroyed, from the destructor with shutting_down. So destroy the client before
// whatever those callbacks touch.
#include <chrono>
#include <map>
#include <memory>
#include <utility>

#include "actors/pool_failures.hpp"
#include "actors/pool_messages.hpp"
#include "actors/supervisor_directory.hpp"

namespace sg {

// The callbacks of the calls in flight, so that each runs once. Lives as long as the longest
// pending CAF handler (shared), is used only on the owning actor's thread (no lock).
class pending_callbacks {
 public:
  std::uint64_t add(std::function<void()> abandon) {
    auto id = next_++;
    abandon_.emplace(id, std::move(abandon));
    return id;
  }
  // True once per id: the caller may run the callback.
  bool take(std::uint64_t id) { return abandon_.erase(id) > 0; }
  void abandon_all() {
    auto left = std::move(abandon_);
    abandon_.clear();
    for (auto& [id, abandon] : left) abandon();
  }

 private:
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, std::function<void()>> abandon_;
};

template <class Self>
class actor_pool_client final : public provider_pools {
 public:
  struct bounds {
    std::chrono::milliseconds call;    // admission and code exchange (the pool's own timeouts are shorter)
    std::chrono::milliseconds status;  // a pool that does not answer by then is "unresponsive"
  };

  actor_pool_client(Self* self, std::shared_ptr<const supervisor_directory> directory, bounds limits)
      : self_(self), directory_(std::move(directory)), bounds_(limits) {}
  ~actor_pool_client() override {
    closing_ = true;  // a callback run below that calls again gets shutting_down at once
    pending_->abandon_all();
  }

  void start_login(const std::string& slug, authorize_request request,
                   std::function<void(login_start_result)> done) override {
    if (closing_ || directory_->stopping())
      return done(pool_failure<login_start_result>(pool_error::shutting_down, pool_text::shutting_down));
    auto entry = directory_->find(slug);
    if (!entry) return done(pool_failure<login_start_result>(pool_error::unknown_provider, pool_text::unknown_provider));
    if (!entry->current) return done(absent<login_start_result>());
    auto id = pending_->add([done] {
      done(pool_failure<login_start_result>(pool_error::shutting_down, pool_text::shutting_down));
    });
    self_->request(entry->current, caf::duration{bounds_.call}, atoms::admit::value)
        .then(
            [pending = pending_, id, done, idp = entry->idp, request = std::move(request)](login_start_result& admission) {
              // The URL is built here, in the caller's context: the worker is never involved.
              if (pending->take(id)) done(build_login_url(std::move(admission), *idp, request));
            },
            [pending = pending_, id, done, directory = directory_](caf::error& err) {
              if (pending->take(id)) done(failure_of<login_start_result>(*directory, err));
            });
  }

  void fetch_identity(const std::string& slug, code_exchange exchange,
                      std::function<void(identity_result)> done) override {
    if (closing_ || directory_->stopping())
      return done(pool_failure<identity_result>(pool_error::shutting_down, pool_text::shutting_down));
    auto entry = directory_->find(slug);
    if (!entry) return done(pool_failure<identity_result>(pool_error::unknown_provider, pool_text::unknown_provider));
    if (!entry->current) return done(absent<identity_result>());
    auto id = pending_->add([done] {
      done(pool_failure<identity_result>(pool_error::shutting_down, pool_text::shutting_down));
    });
    self_->request(entry->current, caf::duration{bounds_.call}, atoms::exchange::value, std::move(exchange))
        .then(
            [pending = pending_, id, done](identity_result& result) {
              if (pending->take(id)) done(std::move(result));
            },
            [pending = pending_, id, done, directory = directory_](caf::error& err) {
              if (pending->take(id)) done(failure_of<identity_result>(*directory, err));
            });
  }

  void status(std::function<void(std::vector<pool_status>)> done) override {
    // Every pool starts as the answer it gets if its supervisor stays silent; answers replace
    // their entry, and `done` runs once the last one is in.
    struct gathering {
      std::vector<pool_status> statuses;
      std::size_t outstanding = 0;
      bool finished = false;  // done ran (all answered, or the client was destroyed)
      std::function<void(std::vector<pool_status>)> done;
      void finish() {
        finished = true;
        done(std::move(statuses));
      }
    };
    auto all = std::make_shared<gathering>();
    all->done = std::move(done);
    if (closing_) return all->finish();
    std::vector<provider_supervisor_actor> supervisors;
    for (auto& entry : directory_->all()) {
      pool_status status;
      status.slug = entry.idp->slug();
      status.idp_ready = entry.idp->ready();
      status.supervisor_restarts = entry.restarts;
      status.state = entry.current ? "unresponsive" : "restarting";
      all->statuses.push_back(std::move(status));
      supervisors.push_back(entry.current);
    }
    for (auto& s : supervisors)
      if (s) ++all->outstanding;
    if (all->outstanding == 0) return all->finish();
    auto id = pending_->add([all] { all->finish(); });
    auto arrived = [pending = pending_, id, all] {
      if (--all->outstanding == 0 && pending->take(id)) all->finish();
    };
    for (std::size_t i = 0; i < supervisors.size(); ++i) {
      if (!supervisors[i]) continue;
      self_->request(supervisors[i], caf::duration{bounds_.status}, atoms::status::value)
          .then(
              [all, i, arrived](pool_status& answer) {
                if (all->finished) return;
                answer.supervisor_restarts = all->statuses[i].supervisor_restarts;
                all->statuses[i] = std::move(answer);
                arrived();
              },
              [all, i, arrived](caf::error& err) {
                if (all->finished) return;
                if (err == caf::sec::request_receiver_down) all->statuses[i].state = "restarting";
                arrived();
              });
    }
  }

 private:
  // A provider whose supervisor is down (being restarted, or in restart backoff): fail fast.
  template <class Result>
  static Result absent() {
    return pool_failure<Result>(pool_error::restarting, pool_text::supervisor_restarting);
  }
  template <class Result>
  static Result failure_of(const supervisor_directory& directory, const caf::error& err) {
    if (directory.stopping()) return pool_failure<Result>(pool_error::shutting_down, pool_text::shutting_down);
    return pool_failure<Result>(pool_error_of(err), message_of(err));
  }

  Self* self_;
  bool closing_ = false;
  std::shared_ptr<const supervisor_directory> directory_;
  bounds bounds_;
  std::shared_ptr<pending_callbacks> pending_ = std::make_shared<pending_callbacks>();
};

}  // namespace sg
