// TLS for Redis connections (issue 14): OpenSSL driven through two memory BIOs per connection,
// so the TLS layer never touches a socket. Ciphertext from the raw transport goes into the read
// BIO; what OpenSSL wants sent (handshake messages, records, alerts) comes out of the write BIO
// and goes to the raw transport. Everything happens inside the loop's own callbacks.
#include "session-store/redis_tls.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

#include "core/env_config.hpp"
#include "core/log.hpp"

namespace sg {
namespace {

// The reason of the last OpenSSL failure on this thread, without the numeric prefix.
std::string openssl_error() {
  unsigned long code = ERR_peek_last_error();
  if (code == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(code);
  if (reason) return reason;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// A file the operator named must be readable: say so before OpenSSL's vaguer message.
void require_readable(const char* variable, const std::string& path) {
  std::ifstream file(path);
  if (!file) throw config_error(variable, "cannot read '" + path + "': " + std::strerror(errno));
}

bool is_ip_literal(const std::string& host) {
  unsigned char address[16];
  return inet_pton(AF_INET, host.c_str(), address) == 1 || inet_pton(AF_INET6, host.c_str(), address) == 1;
}

// No passphrase prompt on the terminal for an encrypted key: the load fails instead.
int no_passphrase(char*, int, int, void*) { return 0; }

// Called when the server asks for a client certificate and none is configured: noted on the
// session (its app data), so a refusal can say what the server wanted. No certificate is sent.
int note_certificate_request(SSL* ssl, X509**, EVP_PKEY**) {
  if (auto* requested = static_cast<bool*>(SSL_get_app_data(ssl))) *requested = true;
  return 0;
}

const char* certificate_hint =
    " (the server asked for a client certificate and none is configured: SOCIAL_AUTH_REDIS_CERT_FILE and "
    "SOCIAL_AUTH_REDIS_KEY_FILE)";

}  // namespace

redis_tls_context::redis_tls_context(const redis_tls_options& options) {
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx_) throw config_error("REDIS_URL", "cannot set up TLS: " + openssl_error());
  try {
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    // A TLS 1.2 renegotiation would make a write wait for a read; Redis never asks for one.
    SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION);
    // Idle connections give their record buffers back (a loop keeps a few per server).
    SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_default_passwd_cb(ctx_, no_passphrase);

    if (!options.ca_file.empty()) {
      require_readable("SOCIAL_AUTH_REDIS_CA_FILE", options.ca_file);
      if (SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr) != 1)
        throw config_error("SOCIAL_AUTH_REDIS_CA_FILE",
                           "no CA certificate could be loaded from '" + options.ca_file + "': " + openssl_error());
    } else if (SSL_CTX_set_default_verify_paths(ctx_) != 1) {
      throw config_error("SOCIAL_AUTH_REDIS_CA_FILE",
                         "not set, and the system's trust store cannot be loaded: " + openssl_error());
    }

    if (options.cert_file.empty() && options.key_file.empty()) {
      SSL_CTX_set_client_cert_cb(ctx_, note_certificate_request);
    } else {
      if (options.cert_file.empty())
        throw config_error("SOCIAL_AUTH_REDIS_CERT_FILE", "required with SOCIAL_AUTH_REDIS_KEY_FILE");
      if (options.key_file.empty())
        throw config_error("SOCIAL_AUTH_REDIS_KEY_FILE", "required with SOCIAL_AUTH_REDIS_CERT_FILE");
      require_readable("SOCIAL_AUTH_REDIS_CERT_FILE", options.cert_file);
      if (SSL_CTX_use_certificate_chain_file(ctx_, options.cert_file.c_str()) != 1)
        throw config_error("SOCIAL_AUTH_REDIS_CERT_FILE",
                           "no certificate could be loaded from '" + options.cert_file + "': " + openssl_error());
      require_readable("SOCIAL_AUTH_REDIS_KEY_FILE", options.key_file);
      ERR_clear_error();
      if (SSL_CTX_use_PrivateKey_file(ctx_, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        // OpenSSL checks the pair while loading: say which one is wrong in words.
        std::string why = openssl_error();
        if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
          why = "the key does not match the certificate in SOCIAL_AUTH_REDIS_CERT_FILE";
        throw config_error("SOCIAL_AUTH_REDIS_KEY_FILE",
                           "no private key could be used from '" + options.key_file + "': " + why);
      }
      if (SSL_CTX_check_private_key(ctx_) != 1)
        throw config_error("SOCIAL_AUTH_REDIS_KEY_FILE",
                           "the key does not match the certificate in SOCIAL_AUTH_REDIS_CERT_FILE");
    }
  } catch (...) {
    SSL_CTX_free(ctx_);
    ERR_clear_error();
    throw;
  }
  ERR_clear_error();
}

redis_tls_context::~redis_tls_context() { SSL_CTX_free(ctx_); }

struct redis_tls_transport::session {
  explicit session(SSL* s) : ssl(s) {}
  ~session() { SSL_free(ssl); }  // frees both BIOs too
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  SSL* ssl;
  std::uint64_t generation = 0;
  std::string host;
  int port = 0;
  bool handshake_done = false;
  bool got_ciphertext = false;  // a close before any byte is a refused connect, not a TLS matter
  bool got_plaintext = false;   // errors before the first reply are refusals (TLS 1.3 client certs)
  bool certificate_requested = false;  // by the server, with none configured
  // Plaintext from the client above: before the handshake ends, or what a write left over.
  std::string pending;
};

redis_tls_transport::redis_tls_transport(std::shared_ptr<redis_tls_context> context, redis_transport& raw)
    : context_(std::move(context)), raw_(raw) {}

// The client above closed its connections first (the factory destroys it before this layer).
redis_tls_transport::~redis_tls_transport() = default;

redis_tls_transport::session* redis_tls_transport::find(std::size_t index, std::uint64_t generation) {
  auto it = sessions_.find(index);
  if (it == sessions_.end() || it->second->generation != generation) return nullptr;
  return it->second.get();
}

bool redis_tls_transport::open(std::size_t index, const redis_endpoint& endpoint) {
  if (sessions_.erase(index) > 0) raw_.close(index);  // an index reused without close()
  ERR_clear_error();
  SSL* ssl = SSL_new(context_->native());
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (!ssl || !in || !out) {
    SSL_free(ssl);
    BIO_free(in);
    BIO_free(out);
    log_event(log_level::error, "redis_tls_error",
              {{"host", endpoint.host}, {"port", endpoint.port}, {"connection", index}, {"reason", openssl_error()}});
    ERR_clear_error();
    return false;
  }
  // An empty read BIO means "wait for more", not end of stream.
  BIO_set_mem_eof_return(in, -1);
  BIO_set_mem_eof_return(out, -1);
  SSL_set_bio(ssl, in, out);
  auto s = std::make_unique<session>(ssl);
  s->host = endpoint.host;
  s->port = endpoint.port;
  s->generation = ++next_generation_;
  SSL_set_app_data(ssl, &s->certificate_requested);  // the session outlives its SSL

  SSL_set_connect_state(ssl);
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  bool named = false;
  if (is_ip_literal(endpoint.host)) {
    named = X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str()) == 1;
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // SNI for names only (RFC 6066 forbids IP literals there).
    named = X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), endpoint.host.size()) == 1 &&
            SSL_set_tlsext_host_name(ssl, endpoint.host.c_str()) == 1;
  }
  if (!named) {
    // Without a name to check, any certificate from the CA would pass: refuse instead.
    log_event(log_level::error, "redis_tls_refused",
              {{"host", endpoint.host}, {"port", endpoint.port}, {"connection", index},
               {"reason", "the server name cannot be checked against a certificate: " + openssl_error()}});
    ERR_clear_error();
    return false;
  }

  if (!raw_.open(index, endpoint)) return false;
  std::uint64_t generation = s->generation;
  sessions_[index] = std::move(s);
  // The ClientHello: SSL_do_handshake wants to read the answer, and leaves the hello in `out`.
  drive(index, generation);
  // Failed at once (the raw transport reported the send failing): the client above was told
  // through on_closed, and the open itself is no longer true.
  return find(index, generation) != nullptr;
}

void redis_tls_transport::send(std::size_t index, std::string_view plaintext) {
  auto it = sessions_.find(index);
  if (it == sessions_.end()) return;  // closed: dropped, as the raw transports do
  session& s = *it->second;
  s.pending.append(plaintext);
  if (!s.handshake_done) return;  // written when the handshake ends
  std::uint64_t generation = s.generation;
  std::string reason;
  if (!write_pending(s, reason)) return fail(index, generation, reason);
  flush(index, generation);
}

bool redis_tls_transport::write_pending(session& s, std::string& reason) {
  std::size_t written = 0;
  while (written < s.pending.size()) {
    ERR_clear_error();
    // Without partial writes, SSL_write takes all it is given into the (growing) memory BIO.
    int chunk = static_cast<int>(std::min<std::size_t>(s.pending.size() - written, INT_MAX / 2));
    int n = SSL_write(s.ssl, s.pending.data() + written, chunk);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    int error = SSL_get_error(s.ssl, n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) break;  // retried on data
    reason = error == SSL_ERROR_SSL ? openssl_error() : "the TLS connection cannot be written to";
    return false;
  }
  s.pending.erase(0, written);
  return true;
}

void redis_tls_transport::close(std::size_t index) {
  // No close_notify: the raw transports drop unsent bytes on close anyway, and Redis does not
  // need one (RESP frames its own messages).
  if (sessions_.erase(index) > 0) raw_.close(index);
}

bool redis_tls_transport::flush(std::size_t index, std::uint64_t generation) {
  session* s = find(index, generation);
  if (!s) return false;
  BIO* out = SSL_get_wbio(s->ssl);
  std::size_t ready = BIO_ctrl_pending(out);
  if (ready == 0) return true;
  // Copied out before the raw send: a transport that reports a failure at once makes us free
  // the session (and its BIO) while the send is still on the stack.
  std::string bytes(ready, '\0');
  int n = BIO_read(out, bytes.data(), static_cast<int>(std::min<std::size_t>(ready, INT_MAX)));
  if (n <= 0) return true;
  bytes.resize(static_cast<std::size_t>(n));
  raw_.send(index, bytes);
  return find(index, generation) != nullptr;
}

void redis_tls_transport::on_data(std::size_t index, std::string_view ciphertext) {
  auto it = sessions_.find(index);
  if (it == sessions_.end()) return;
  session& s = *it->second;
  s.got_ciphertext = true;
  std::size_t offset = 0;
  while (offset < ciphertext.size()) {
    int n = BIO_write(SSL_get_rbio(s.ssl), ciphertext.data() + offset,
                      static_cast<int>(std::min<std::size_t>(ciphertext.size() - offset, INT_MAX)));
    if (n <= 0) return fail(index, s.generation, "out of memory for TLS records");
    offset += static_cast<std::size_t>(n);
  }
  drive(index, s.generation);
}

void redis_tls_transport::drive(std::size_t index, std::uint64_t generation) {
  session* s = find(index, generation);
  if (!s) return;

  if (!s->handshake_done) {
    ERR_clear_error();
    int r = SSL_do_handshake(s->ssl);
    if (r != 1) {
      int error = SSL_get_error(s->ssl, r);
      if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        flush(index, generation);
        return;
      }
      std::string reason;
      long verified = SSL_get_verify_result(s->ssl);
      if (verified != X509_V_OK)
        reason = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verified);
      else if (error == SSL_ERROR_SSL)
        reason = openssl_error();
      else
        reason = "the TLS handshake failed";
      // An alert for the server goes out first (best effort), then the connection closes.
      flush(index, generation);
      return fail(index, generation, reason);
    }
    s->handshake_done = true;
    log_event(log_level::debug, "redis_tls_connected",
              {{"host", s->host}, {"port", s->port}, {"connection", index}, {"protocol", SSL_get_version(s->ssl)}});
  }

  // Plaintext queued during the handshake (AUTH, SELECT, the first batch) goes out now.
  if (!s->pending.empty()) {
    std::string reason;
    if (!write_pending(*s, reason)) return fail(index, generation, reason);
  }
  if (!flush(index, generation)) return;

  // Every whole record in the read BIO, handed up one buffer at a time: no plaintext is kept
  // here beyond this call (the read BIO holds at most what the raw transport delivered).
  char buffer[16384];
  for (;;) {
    s = find(index, generation);  // the client above may have closed or reopened the index
    if (!s) return;
    ERR_clear_error();
    int n = SSL_read(s->ssl, buffer, sizeof buffer);
    if (n > 0) {
      s->got_plaintext = true;
      if (upper_) upper_->on_data(index, std::string_view(buffer, static_cast<std::size_t>(n)));
      continue;
    }
    int error = SSL_get_error(s->ssl, n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) break;
    if (error == SSL_ERROR_ZERO_RETURN) {
      // close_notify: the server closed the connection (a timeout, CLIENT KILL, shutdown).
      sessions_.erase(index);
      raw_.close(index);
      if (upper_) upper_->on_closed(index);
      return;
    }
    return fail(index, generation, error == SSL_ERROR_SSL ? openssl_error() : "the TLS connection failed");
  }
  // What reading produced: a KeyUpdate answer, an alert.
  flush(index, generation);
}

void redis_tls_transport::fail(std::size_t index, std::uint64_t generation, const std::string& reason) {
  session* s = find(index, generation);
  if (!s) return;
  // Before the first reply, the server refused us (a certificate, a name, a client certificate
  // it wanted under TLS 1.3); after, the connection broke. Never key material: OpenSSL's reason
  // strings and the X.509 verdict only.
  log_event(log_level::error, s->got_plaintext ? "redis_tls_error" : "redis_tls_refused",
            {{"host", s->host},
             {"port", s->port},
             {"connection", index},
             {"reason", s->certificate_requested && !s->got_plaintext ? reason + certificate_hint : reason}});
  ERR_clear_error();
  sessions_.erase(index);
  raw_.close(index);
  if (upper_) upper_->on_closed(index);
}

void redis_tls_transport::on_closed(std::size_t index) {
  auto it = sessions_.find(index);
  if (it == sessions_.end()) return;
  const session& s = *it->second;
  // The server hung up on our TLS without an alert: during the handshake (a plain Redis port),
  // or before its first reply (under TLS 1.3 a server checks the client certificate after our
  // handshake is done). A connection is only opened with a batch to send, so a reply is due.
  if (s.got_ciphertext && !s.got_plaintext) {
    std::string reason = s.handshake_done ? "the server closed the connection before its first reply over TLS"
                                          : "the server closed the connection during the TLS handshake";
    if (s.certificate_requested) reason += certificate_hint;
    log_event(log_level::error, "redis_tls_refused",
              {{"host", s.host}, {"port", s.port}, {"connection", index}, {"reason", reason}});
  }
  sessions_.erase(it);
  if (upper_) upper_->on_closed(index);
}

}  // namespace sg
