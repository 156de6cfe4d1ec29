#pragma once
// A provider for supervision tests: answers at once, and on request throws a non-provider
// exception (a crash), fails like a dead IdP, or holds its code exchanges until released (to
// keep every worker busy). Can wrap a real provider to add crashes to it; then it forwards every
// virtual and shares the wrapped provider's descriptor, so none of the wrapped provider's checks
// (the OIDC `iss` and nonce checks, readiness) is lost.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "providers/provider.hpp"

namespace sg::test {

inline provider_descriptor scripted_descriptor(const std::string& slug) {
  provider_descriptor d;
  d.slug = slug;
  d.public_name = slug;
  d.icon_svg = "<svg></svg>";
  d.redirect_uri = "http://sg.test/cb/";
  return d;
}

class scripted_provider : public provider {
 public:
  explicit scripted_provider(std::string slug, std::shared_ptr<provider> inner = nullptr)
      : provider(inner ? with_slug(inner->descriptor(), slug) : scripted_descriptor(slug)), inner_(std::move(inner)) {}
  // Runs on the caller's thread (no worker), so it never crashes on purpose; it can fail as an
  // OIDC provider does before its discovery document is loaded.
  std::string authorize_url(const authorize_request& request) const override {
    ++authorize_calls;
    if (authorize_unavailable) throw provider_error(provider_error::kind::unavailable, "scripted: discovery not loaded");
    return inner_ ? inner_->authorize_url(request) : "https://idp.test/authorize?state=" + request.state;
  }
  bool ready() const override { return inner_ ? inner_->ready() : true; }
  external_identity fetch_identity(const code_exchange& exchange) override {
    ++calls;
    wait_while_held();
    if (crashes_left.fetch_sub(1) > 0) throw std::logic_error("scripted crash");
    if (idp_failures_left.fetch_sub(1) > 0) throw provider_error(provider_error::kind::unavailable, "scripted: the IdP is down");
    if (inner_) return inner_->fetch_identity(exchange);
    external_identity id;
    id.provider = slug();
    id.subject = exchange.code;
    return id;
  }

  // Code exchanges block from hold() until release(); held_calls counts those waiting.
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    released_.notify_all();
  }

  std::atomic<int> crashes_left{0};       // fetch_identity throws std::logic_error this many times
  std::atomic<int> idp_failures_left{0};  // then provider_error(unavailable) this many times
  std::atomic<bool> authorize_unavailable{false};
  std::atomic<int> calls{0};  // code exchanges
  mutable std::atomic<int> authorize_calls{0};
  std::atomic<int> held_calls{0};

 private:
  static provider_descriptor with_slug(provider_descriptor d, const std::string& slug) {
    d.slug = slug;
    return d;
  }
  void wait_while_held() {
    std::unique_lock lock(mutex_);
    if (!held_) return;
    ++held_calls;
    released_.wait(lock, [this] { return !held_; });
    --held_calls;
  }
  std::shared_ptr<provider> inner_;
  std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;
};

}  // namespace sg::test
