#pragma once
// A provider for supervision tests: answers at once, and throws a non-provider exception (a
// crash) when told to. Can wrap a real provider to add crashes to it.
#include <atomic>
#include <memory>
#include <stdexcept>

#include "providers/provider.hpp"

namespace sg::test {

class scripted_provider : public provider {
 public:
  explicit scripted_provider(std::string slug, std::shared_ptr<provider> inner = nullptr)
      : slug_(std::move(slug)), inner_(std::move(inner)) {}
  std::string slug() const override { return slug_; }
  std::string public_name() const override { return inner_ ? inner_->public_name() : slug_; }
  std::string icon_svg() const override { return inner_ ? inner_->icon_svg() : "<svg></svg>"; }
  std::string redirect_uri() const override { return inner_ ? inner_->redirect_uri() : "http://sg.test/cb/"; }
  std::string authorize_url(const authorize_request& request) override {
    maybe_crash();
    return inner_ ? inner_->authorize_url(request) : "https://idp.test/authorize?state=" + request.state;
  }
  std::vector<std::string> allowed_extra_scopes() const override {
    return inner_ ? inner_->allowed_extra_scopes() : std::vector<std::string>{};
  }
  std::vector<std::string> allowed_auth_params() const override {
    return inner_ ? inner_->allowed_auth_params() : std::vector<std::string>{};
  }
  external_identity fetch_identity(const code_exchange& exchange) override {
    maybe_crash();
    if (inner_) return inner_->fetch_identity(exchange);
    external_identity id;
    id.provider = slug_;
    id.subject = exchange.code;
    return id;
  }

  std::atomic<int> crashes_left{0};
  std::atomic<int> calls{0};

 private:
  void maybe_crash() {
    ++calls;
    if (crashes_left.fetch_sub(1) > 0) throw std::logic_error("scripted crash");
  }
  std::string slug_;
  std::shared_ptr<provider> inner_;
};

}  // namespace sg::test
