#pragma once
// A provider for supervision tests: answers at once, and throws a non-provider exception (a
// crash) when told to. Can wrap a real provider to add crashes to it; then it forwards every
// virtual and shares the wrapped provider's descriptor, so none of the wrapped provider's
// checks (the OIDC `iss` and nonce checks, readiness) is lost.
#include <atomic>
#include <memory>
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
  std::string authorize_url(const authorize_request& request) override {
    maybe_crash();
    return inner_ ? inner_->authorize_url(request) : "https://idp.test/authorize?state=" + request.state;
  }
  bool ready() const override { return inner_ ? inner_->ready() : true; }
  external_identity fetch_identity(const code_exchange& exchange) override {
    maybe_crash();
    if (inner_) return inner_->fetch_identity(exchange);
    external_identity id;
    id.provider = slug();
    id.subject = exchange.code;
    return id;
  }

  std::atomic<int> crashes_left{0};
  std::atomic<int> calls{0};

 private:
  static provider_descriptor with_slug(provider_descriptor d, const std::string& slug) {
    d.slug = slug;
    return d;
  }
  void maybe_crash() {
    ++calls;
    if (crashes_left.fetch_sub(1) > 0) throw std::logic_error("scripted crash");
  }
  std::shared_ptr<provider> inner_;
};

}  // namespace sg::test
