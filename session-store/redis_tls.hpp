#pragma once
// TLS for every Redis connection (rediss://), with OpenSSL over the client's own non-blocking
// transport: memory BIOs between the plaintext the clients above send and read, and the
// ciphertext the raw transport below moves. No socket of its own, no thread, no blocking call.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"
#include "session-store/redis_settings.hpp"

typedef struct ssl_ctx_st SSL_CTX;

namespace sg {

// The certificates: the CA to verify servers by (SOCIAL_AUTH_REDIS_CA_FILE, or the system's
// trust store), and an optional client certificate and key. TLS 1.2 or newer.
class redis_tls_context {
 public:
  // Throws config_error naming the variable when a file cannot be read or does not hold what it
  // should (a certificate, a key that matches the certificate).
  explicit redis_tls_context(const redis_tls_options& options);
  ~redis_tls_context();
  redis_tls_context(const redis_tls_context&) = delete;
  redis_tls_context& operator=(const redis_tls_context&) = delete;
  SSL_CTX* native() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

// A redis_transport that encrypts. Above it, the Redis clients (through attach: the events they
// get are plaintext); below it, the raw transport whose owner reports ciphertext events here.
// Each connection verifies the server's certificate chain and its name (the endpoint's host:
// DNS name or IP address, also sent as SNI). A certificate that does not verify closes the
// connection with an error log line `redis_tls_refused` that says why (the X.509 reason); the
// client above sees the connection closed. Plaintext sent before the handshake ends is queued.
class redis_tls_transport : public redis_transport, public redis_link_events {
 public:
  redis_tls_transport(std::shared_ptr<redis_tls_context> context, redis_transport& raw);
  ~redis_tls_transport() override;
  void attach(redis_link_events& upper) { upper_ = &upper; }

  // From the clients above:
  bool open(std::size_t index, const redis_endpoint& endpoint) override;
  void send(std::size_t index, std::string_view plaintext) override;
  void close(std::size_t index) override;

  // From the raw transport's owner:
  void on_data(std::size_t index, std::string_view ciphertext) override;
  void on_closed(std::size_t index) override;

 private:
  struct session;
  // The session on `index` if it is still the one with `generation`: a callback above (or a
  // raw transport reporting a failure at once) may have closed or reopened the index.
  session* find(std::size_t index, std::uint64_t generation);
  // Moves the ciphertext OpenSSL produced to the raw transport; false when the session is gone.
  bool flush(std::size_t index, std::uint64_t generation);
  // Handshake, queued plaintext out, every plaintext record in to the client above.
  void drive(std::size_t index, std::uint64_t generation);
  // Writes the plaintext queued on the session; false on a TLS error (reason filled).
  bool write_pending(session& s, std::string& reason);
  // Logs why, closes the raw connection, forgets the session and tells the client above.
  void fail(std::size_t index, std::uint64_t generation, const std::string& reason);

  std::shared_ptr<redis_tls_context> context_;
  redis_transport& raw_;
  redis_link_events* upper_ = nullptr;
  std::unordered_map<std::size_t, std::unique_ptr<session>> sessions_;
  std::uint64_t next_generation_ = 0;
};

}  // namespace sg
