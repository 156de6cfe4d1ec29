#include "gateway/loop/http_loop.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/system_messages.hpp>
#include <caf/scoped_actor.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "core/log.hpp"
#include "gateway/responses.hpp"

namespace sg {
namespace {

using clock = std::chrono::steady_clock;
using tick_atom = caf::atom_constant<caf::atom("sgltick")>;
using stop_atom = caf::atom_constant<caf::atom("sglstop")>;
using drained_atom = caf::atom_constant<caf::atom("sgldrain")>;

// One client connection. Requests are answered strictly one after another: the next pipelined
// request is taken from the reader only once the previous answer is written.
struct connection {
  std::uint64_t serial = 0;     // tells a reused handle from the connection an answer was for
  request_reader reader;
  std::string peer;             // TCP peer address (the per-address cap counts these)
  int peer_port = 0;
  bool busy = false;            // a request is being answered
  bool close_after_answer = false;
  clock::time_point request_started{};  // first byte of the request being read
  clock::time_point last_activity{};
  std::uint64_t unsent_bytes = 0;       // written but not yet on the wire (ack_writes)
};

// Beyond this much unsent answer data a connection's next pipelined request waits: a client
// that sends requests and never reads the answers cannot make the loop buffer without bound.
constexpr std::uint64_t max_unsent_bytes = 1 << 20;

struct loop_state;

// The loop's Redis connections are scribes of the same broker: non-blocking connect, bytes in
// and out through the multiplexer like any client connection.
class broker_redis_transport : public redis_transport {
 public:
  explicit broker_redis_transport(loop_state& state) : state_(state) {}
  bool open(std::size_t index, const redis_endpoint& endpoint) override;
  void send(std::size_t index, std::string_view bytes) override;
  void close(std::size_t index) override;

 private:
  loop_state& state_;
};

struct loop_state {
  caf::io::broker* self = nullptr;
  // Answers that arrive after the broker stopped find the state still alive (and do nothing).
  std::weak_ptr<loop_state> weak_self;
  http_loop_settings settings;
  std::unique_ptr<broker_redis_transport> transport;
  std::unique_ptr<loop_services> services;
  caf::io::accept_handle acceptor;
  std::unordered_map<caf::io::connection_handle, connection> connections;
  std::unordered_map<std::size_t, caf::io::connection_handle> redis_links;                   // by client index
  std::unordered_map<caf::io::connection_handle, std::size_t> redis_by_handle;  // reverse
  std::uint64_t next_serial = 1;
  std::size_t in_flight = 0;
  bool stopping = false;
  caf::response_promise stopped;
  clock::time_point stop_deadline{};
};

// Resolves and connects without waiting: the scribe sends queued bytes once the socket is up.
// getaddrinfo may block briefly on a name; it runs only when a Redis connection is (re)opened.
bool broker_redis_transport::open(std::size_t index, const redis_endpoint& endpoint) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(endpoint.host.c_str(), std::to_string(endpoint.port).c_str(), &hints, &found) != 0 || !found) {
    log_event(log_level::error, "redis_connect_failed", {{"host", endpoint.host}, {"reason", "name not resolved"}});
    return false;
  }
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : ::connect(fd, found->ai_addr, found->ai_addrlen);
  int error = errno;
  freeaddrinfo(found);
  if (fd < 0 || (rc != 0 && error != EINPROGRESS)) {
    if (fd >= 0) ::close(fd);
    log_event(log_level::error, "redis_connect_failed", {{"host", endpoint.host}, {"reason", std::strerror(error)}});
    return false;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto handle = state_.self->add_scribe(fd);
  state_.self->configure_read(handle, caf::io::receive_policy::at_most(16384));
  state_.redis_links[index] = handle;
  state_.redis_by_handle[handle] = index;
  return true;
}

void broker_redis_transport::send(std::size_t index, std::string_view bytes) {
  auto it = state_.redis_links.find(index);
  if (it == state_.redis_links.end()) return;
  state_.self->write(it->second, bytes.size(), bytes.data());
  state_.self->flush(it->second);
}

void broker_redis_transport::close(std::size_t index) {
  auto it = state_.redis_links.find(index);
  if (it == state_.redis_links.end()) return;
  state_.redis_by_handle.erase(it->second);
  state_.self->close(it->second);
  state_.redis_links.erase(it);
}

void write_answer(loop_state& st, caf::io::connection_handle handle, connection& conn, const http_response& res,
                  bool head, bool keep_alive) {
  auto bytes = serialize_response(res, head, keep_alive);
  conn.unsent_bytes += bytes.size();
  st.self->write(handle, bytes.size(), bytes.data());
  st.self->flush(handle);
}

void forget(loop_state& st, caf::io::connection_handle handle) {
  auto it = st.connections.find(handle);
  if (it == st.connections.end()) return;
  if (st.settings.budget) st.settings.budget->release(it->second.peer);
  st.connections.erase(it);
}

// Closes after what was written has been sent (CAF's close is graceful).
void close_connection(loop_state& st, caf::io::connection_handle handle) {
  st.self->close(handle);
  forget(st, handle);
}

// An answer the loop gives itself (input refused, no route): the same shapes as the routes'
// errors. Without a parsed request the answer is JSON.
void answer_read_failure(loop_state& st, caf::io::connection_handle handle, connection& conn, const read_failure& failure) {
  log_event(log_level::warning, "bad_request", {{"remote", conn.peer}, {"status", failure.status}, {"reason", failure.reason}});
  http_request none;
  http_response res;
  send_error(none, res, failure.status, failure.reason);
  write_answer(st, handle, conn, res, false, false);
  close_connection(st, handle);
}

void pump(loop_state& st, caf::io::connection_handle handle);

void finish_request(loop_state& st, caf::io::connection_handle handle, std::uint64_t serial, const http_request& req,
                    const http_response& res, clock::time_point started) {
  --st.in_flight;
  log_event(log_level::info, "request",
            {{"method", req.method}, {"path", req.path}, {"status", res.status}, {"remote", req.remote_addr},
             {"ms", std::chrono::duration<double, std::milli>(clock::now() - started).count()}});
  auto it = st.connections.find(handle);
  if (it != st.connections.end() && it->second.serial == serial) {
    auto& conn = it->second;
    bool keep_alive = req.keep_alive && !conn.close_after_answer && !st.stopping;
    write_answer(st, handle, conn, res, req.method == "HEAD", keep_alive);
    conn.busy = false;
    conn.last_activity = clock::now();
    if (!keep_alive) close_connection(st, handle);
  }
  if (st.stopping && st.in_flight == 0) st.self->send(st.self, drained_atom::value);
}

// Runs one request: the route's coroutine starts here and may finish at once (the answer is
// written before dispatch returns) or later, when what it awaits arrives on this loop.
void dispatch(loop_state& st, caf::io::connection_handle handle, connection& conn, http_request request) {
  struct exchange {
    http_request req;
    http_response res;
    bool starting = true;  // the route has not suspended yet: pump's loop takes the next request
  };
  auto ex = std::make_shared<exchange>();
  ex->req = std::move(request);
  ex->req.remote_addr = conn.peer;
  ex->req.remote_port = conn.peer_port;
  conn.busy = true;
  ++st.in_flight;
  auto serial = conn.serial;
  auto started = clock::now();
  auto found = st.services->routes().find(ex->req);
  auto done = [state = st.weak_self.lock(), handle, serial, ex, started](std::exception_ptr failure) {
    if (failure) {  // routes answer their own errors; this is the last guard
      log_event(log_level::error, "internal_error", {{"path", ex->req.path}});
      ex->res = {};
      send_error(ex->req, ex->res, 500, "Internal error.");
    }
    finish_request(*state, handle, serial, ex->req, ex->res, started);
    // A later answer (after a suspension) takes the connection's next request itself; one
    // that completed at once leaves that to pump's loop, so pipelined requests never nest.
    if (!ex->starting) pump(*state, handle);
  };
  if (!found.handler) {
    if (found.status == 405) ex->res.set_header("Allow", found.allow);
    send_error(ex->req, ex->res, found.status, found.status == 405 ? "Method not allowed." : "Not found.");
    done(nullptr);
  } else {
    start_detached((*found.handler)(ex->req, ex->res), std::move(done));
  }
  ex->starting = false;
}

// Answers the connection's whole requests in order while it is free to: a request whose
// answer completes at once lets the loop go on to the next pipelined one; one that suspends
// calls pump again when its answer is written.
void pump(loop_state& st, caf::io::connection_handle handle) {
  for (;;) {
    auto it = st.connections.find(handle);
    if (it == st.connections.end()) return;
    auto& conn = it->second;
    if (conn.busy || conn.unsent_bytes > max_unsent_bytes) return;
    auto request = conn.reader.next();
    if (!request) {
      if (conn.reader.failure()) answer_read_failure(st, handle, conn, *conn.reader.failure());
      return;
    }
    // A pipelined successor already begun: its deadline counts from now.
    if (conn.reader.mid_request()) conn.request_started = clock::now();
    dispatch(st, handle, conn, std::move(*request));
  }
}

void accept_connection(loop_state& st, caf::io::connection_handle handle) {
  auto peer = st.self->remote_addr(handle);
  auto verdict = st.settings.budget ? st.settings.budget->admit(peer) : connection_budget::verdict::admitted;
  if (verdict != connection_budget::verdict::admitted || st.stopping) {
    const char* why = st.stopping ? "the service is stopping"
                      : verdict == connection_budget::verdict::over_total ? "too many connections"
                                                                           : "too many connections from this address";
    log_event(log_level::warning, "connection_refused", {{"remote", peer}, {"reason", why}});
    http_request none;
    http_response res;
    send_error(none, res, 503, std::string("The service is busy: ") + why + ". Try again in a moment.");
    res.set_header("Retry-After", "1");
    auto bytes = serialize_response(res, false, false);
    st.self->write(handle, bytes.size(), bytes.data());
    st.self->flush(handle);
    st.self->close(handle);
    return;
  }
  connection conn;
  conn.serial = st.next_serial++;
  conn.reader = request_reader(st.settings.limits);
  conn.peer = std::move(peer);
  conn.peer_port = st.self->remote_port(handle);
  conn.last_activity = clock::now();
  st.connections.emplace(handle, std::move(conn));
  // CAF 0.17 sizes (and clears) its read buffer to this after every read: keep it near the
  // size of a typical request rather than the largest one.
  st.self->configure_read(handle, caf::io::receive_policy::at_most(4096));
  st.self->ack_writes(handle, true);
}

void on_client_data(loop_state& st, caf::io::connection_handle handle, const std::vector<char>& bytes) {
  auto it = st.connections.find(handle);
  if (it == st.connections.end()) return;
  auto& conn = it->second;
  bool was_mid_request = conn.reader.mid_request();
  conn.reader.feed(std::string_view(bytes.data(), bytes.size()));
  conn.last_activity = clock::now();
  if (!was_mid_request) conn.request_started = conn.last_activity;
  pump(st, handle);
}

// Four times a second: Sentinel looks for a master again that often while it has none (the
// window of 503s after a failover ends soon after the sentinels switch); the rest only compare
// times.
constexpr std::chrono::milliseconds tick_period{250};

// Deadlines: a request not whole within the deadline is dropped (a slow-loris
// client holds nothing for long), an idle keep-alive connection is closed, and overdue Redis
// replies fail their waiters.
void on_tick(loop_state& st) {
  auto now = clock::now();
  std::vector<caf::io::connection_handle> expired;
  for (auto& [handle, conn] : st.connections) {
    if (conn.busy) continue;
    if (conn.reader.mid_request() && now - conn.request_started > st.settings.request_deadline) {
      log_event(log_level::warning, "request_deadline", {{"remote", conn.peer}});
      expired.push_back(handle);
    } else if (!conn.reader.mid_request() && now - conn.last_activity > st.settings.keepalive_idle) {
      expired.push_back(handle);
    }
  }
  for (auto handle : expired) close_connection(st, handle);
  if (st.services) {
    st.services->redis().on_tick(now);
    st.services->on_tick();
  }
}

void finish_stop(loop_state& st) {
  for (auto& [handle, conn] : st.connections) {
    st.self->close(handle);
    if (st.settings.budget) st.settings.budget->release(conn.peer);
  }
  st.connections.clear();
  if (st.services) st.services->redis().shutdown();
  if (st.stopped.pending()) st.stopped.deliver(caf::atom("stopped"));
  st.self->quit();
}

caf::behavior http_loop(caf::io::broker* self, http_loop_settings settings, loop_services_factory make_services) {
  auto st = std::make_shared<loop_state>();
  st->weak_self = st;
  st->self = self;
  st->settings = std::move(settings);
  st->transport = std::make_unique<broker_redis_transport>(*st);
  st->services = make_services(self, *st->transport);
  st->acceptor = self->add_doorman(st->settings.listen_fd);
  self->delayed_send(self, tick_period, tick_atom::value);
  return {
      [=](const caf::io::new_connection_msg& msg) { accept_connection(*st, msg.handle); },
      [=](const caf::io::new_data_msg& msg) {
        if (auto redis = st->redis_by_handle.find(msg.handle); redis != st->redis_by_handle.end())
          return st->services->redis().on_data(redis->second, std::string_view(msg.buf.data(), msg.buf.size()));
        on_client_data(*st, msg.handle, msg.buf);
      },
      [=](const caf::io::data_transferred_msg& msg) {
        auto it = st->connections.find(msg.handle);
        if (it == st->connections.end()) return;
        auto before = it->second.unsent_bytes;
        it->second.unsent_bytes = msg.remaining;
        if (before > max_unsent_bytes && msg.remaining <= max_unsent_bytes) pump(*st, msg.handle);
      },
      [=](const caf::io::connection_closed_msg& msg) {
        if (auto redis = st->redis_by_handle.find(msg.handle); redis != st->redis_by_handle.end()) {
          auto index = redis->second;
          st->redis_by_handle.erase(redis);
          st->redis_links.erase(index);
          return st->services->redis().on_closed(index);
        }
        forget(*st, msg.handle);
      },
      [=](const caf::io::acceptor_closed_msg&) {},
      [=](tick_atom) {
        on_tick(*st);
        if (st->stopping && clock::now() >= st->stop_deadline) return finish_stop(*st);
        self->delayed_send(self, tick_period, tick_atom::value);
      },
      [=](stop_atom, int bound_seconds) {
        st->stopping = true;
        st->stopped = self->make_response_promise();
        st->stop_deadline = clock::now() + std::chrono::seconds(bound_seconds);
        self->close(st->acceptor);
        // Idle connections go now; busy ones when their answer is written (keep-alive off).
        std::vector<caf::io::connection_handle> idle;
        for (auto& [handle, conn] : st->connections)
          if (!conn.busy) idle.push_back(handle);
        for (auto handle : idle) close_connection(*st, handle);
        if (st->in_flight == 0) finish_stop(*st);
        return st->stopped;
      },
      [=](drained_atom) {
        if (st->stopping && st->in_flight == 0) finish_stop(*st);
      },
  };
}

}  // namespace

caf::actor spawn_http_loop(caf::actor_system& system, http_loop_settings settings, loop_services_factory make_services) {
  return system.middleman().spawn_broker(http_loop, std::move(settings), std::move(make_services));
}

void stop_http_loop(caf::actor_system& system, const caf::actor& loop, std::chrono::seconds bound) {
  caf::scoped_actor self{system};
  self->request(loop, caf::duration{bound + std::chrono::seconds(2)}, stop_atom::value, static_cast<int>(bound.count()))
      .receive([](caf::atom_value) {}, [](caf::error&) {});
}

int open_listening_socket(const std::string& host, int port, int& bound_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  auto where = host + ":" + std::to_string(port);
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    throw std::runtime_error("cannot listen on " + where + " (SOCIALGATE_LISTEN): the address does not resolve");
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  bool ok = fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0 &&
            ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 4096) == 0;
  int error = errno;
  freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot listen on " + where + " (SOCIALGATE_LISTEN): " + std::strerror(error));
  }
  // Accepted sockets inherit TCP_NODELAY on Linux: an answer is one write, never held back.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  bound_port = local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                                           : ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  return fd;
}

}  // namespace sg
