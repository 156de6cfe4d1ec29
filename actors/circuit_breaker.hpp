#pragma once
// A provider's circuit breaker (plain logic, owned by its supervisor): opens after repeated IdP
// failures so that a dead IdP costs a user nothing but a fast 503, and closes by itself when a
// probe call succeeds.
#include <chrono>
#include <cstdint>

namespace sg {

struct circuit_breaker {
  enum class phase { closed, open, half_open };
  phase state = phase::closed;
  int consecutive_failures = 0;
  std::chrono::steady_clock::time_point opened_at{};
  bool probe_in_flight = false;
  std::uint64_t opened = 0;
  std::uint64_t rejected = 0;

  // May a call go to the IdP now? Moves open to half-open after the cooldown (one probe).
  bool admit(std::chrono::milliseconds cooldown) {
    if (state == phase::closed) return true;
    if (state == phase::open && std::chrono::steady_clock::now() - opened_at >= cooldown) {
      state = phase::half_open;
      probe_in_flight = false;
    }
    if (state == phase::half_open && !probe_in_flight) {
      probe_in_flight = true;
      return true;
    }
    ++rejected;
    return false;
  }
  // May a login start now? It sends the user to the IdP, not a call: it takes no probe, so it
  // is admitted whenever the breaker is closed or its cooldown is over.
  bool admits_login_start(std::chrono::milliseconds cooldown) const {
    return state == phase::closed || std::chrono::steady_clock::now() - opened_at >= cooldown;
  }
  void record(bool idp_failed, int threshold) {
    if (!idp_failed) {
      state = phase::closed;
      consecutive_failures = 0;
      probe_in_flight = false;
      return;
    }
    ++consecutive_failures;
    if (state == phase::half_open || consecutive_failures >= threshold) {
      if (state != phase::open) ++opened;
      state = phase::open;
      opened_at = std::chrono::steady_clock::now();
      probe_in_flight = false;
    }
  }
  const char* name() const {
    return state == phase::closed ? "closed" : state == phase::open ? "open" : "half-open";
  }
};

}  // namespace sg
