// The gateway loop's pool client from inside a real broker: the broker lives in a second
// actor_system with its own middleman (as each gateway loop does), the pools in the runtime's.
// Answers must come back as callbacks on the broker's thread, each exactly once.
#include <catch2/catch.hpp>

#include <algorithm>
#include <future>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/runtime.hpp"
#include "support/scripted_provider.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {
using go_atom = caf::atom_constant<caf::atom("sgtestgo")>;

// What a scenario saw inside the broker; read by the test thread once the scenario finished.
struct loop_record {
  std::thread::id handler_thread;           // where the broker handled a message
  std::vector<std::thread::id> callback_threads;
  std::vector<std::string> events;          // "<call>:<pool_error>" per callback, in order
};

// A gateway loop stand-in: an actor_system of its own with a middleman, where `run` spawns a
// broker that runs a scenario in a message handler, with a pool client made for that broker.
// The scenario calls `finish` when it is done (from a callback); the broker then quits and its
// client goes with it. Declared before the runtime, as the runtime's header asks: a pool may
// still answer a call of this broker until the runtime is gone.
using scenario = std::function<void(provider_pools& pools, loop_record& record, std::function<void()> finish)>;

struct loop_config : caf::actor_system_config {
  loop_config() {
    set("logger.verbosity", caf::atom("quiet"));
    load<caf::io::middleman>();
  }
};

class test_loop {
 public:
  loop_record run(actor_runtime& runtime, scenario body) {
    auto record = std::make_shared<loop_record>();
    auto finished = std::make_shared<std::promise<void>>();
    // `record` goes in as a spawn argument: CAF 0.17's spawn of a function without arguments
    // dereferences a null tuple pointer (UBSan reports it).
    auto start = [&runtime, body, finished](caf::io::broker* self, std::shared_ptr<loop_record> record) -> caf::behavior {
      auto pools = std::shared_ptr<provider_pools>(runtime.make_loop_client(self));
      return {[=](go_atom) {
        record->handler_thread = std::this_thread::get_id();
        body(*pools, *record, [self, finished] {
          finished->set_value();
          self->quit();
        });
      }};
    };
    auto broker = system_.middleman().spawn_broker(start, record);
    caf::anon_send(broker, go_atom::value);
    // A bound to catch a hang only (far above the normal figure).
    REQUIRE(finished->get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    // The broker has quit: wait until it is gone, and its client with it.
    caf::scoped_actor waiter{system_};
    waiter->wait_for(broker);
    return *record;
  }

 private:
  loop_config config_;
  caf::actor_system system_{config_};
};

template <class Result>
std::function<void(Result)> recorded(loop_record& record, std::string call, std::function<void(Result)> then) {
  return [&record, call, then](Result result) {
    record.callback_threads.push_back(std::this_thread::get_id());
    record.events.push_back(call + ":" + to_string(result.error));
    then(std::move(result));
  };
}

authorize_request login_request(const std::string& state) {
  authorize_request request;
  request.state = state;
  return request;
}
}  // namespace

TEST_CASE("a loop's pool calls are answered in its broker, across actor systems", "[actors][loop]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  auto other = std::make_shared<scripted_provider>("other");
  test_loop loop;  // outlives the runtime (see test_loop)
  actor_runtime runtime({idp, other}, pool_settings{});
  std::string url, subject;
  std::vector<pool_status> statuses;

  auto record = loop.run(runtime, [&](provider_pools& pools, loop_record& rec, auto finish) {
    pools.start_login("idp", login_request("s1"), recorded<login_start_result>(rec, "login", [&, finish](login_start_result r) {
      url = r.url;
      pools.fetch_identity("idp", {"code-1", "", "", "", false, ""}, recorded<identity_result>(rec, "exchange", [&, finish](identity_result r) {
        subject = r.identity.subject;
        pools.status([&rec, &statuses, finish](std::vector<pool_status> s) {
          rec.callback_threads.push_back(std::this_thread::get_id());
          statuses = std::move(s);
          finish();
        });
      }));
    }));
  });

  CHECK(record.events == std::vector<std::string>{"login:none", "exchange:none"});
  CHECK(url == "https://idp.test/authorize?state=s1");
  CHECK(subject == "code-1");
  REQUIRE(statuses.size() == 2);
  CHECK(statuses[0].slug == "idp");
  CHECK(statuses[0].ready);
  CHECK(statuses[1].slug == "other");
  REQUIRE(record.callback_threads.size() == 3);
  for (auto& thread : record.callback_threads) CHECK(thread == record.handler_thread);
  CHECK(record.handler_thread != std::this_thread::get_id());
}

TEST_CASE("a loop's calls fail fast with restarting while the supervisor is down, and inline errors too", "[actors][loop]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  pool_settings settings;
  settings.max_restarts = 0;  // a dead supervisor stays down (backoff) for the whole test
  settings.backoff_initial = settings.backoff_max = std::chrono::minutes(10);
  test_loop loop;  // outlives the runtime (see test_loop)
  actor_runtime runtime({idp}, settings);
  runtime.kill_supervisor("idp");
  REQUIRE(wait_until([&] { return runtime.status_blocking().at(0).state == "restarting"; }));

  auto record = loop.run(runtime, [&](provider_pools& pools, loop_record& rec, auto finish) {
    // Answered inline (the root already took the supervisor out of the directory) or by the
    // request bouncing off the dead supervisor: either way, restarting.
    auto answered = std::make_shared<int>(0);
    auto last = [answered, finish] {
      if (++*answered == 3) finish();
    };
    pools.start_login("idp", login_request("s"), recorded<login_start_result>(rec, "login", [last](login_start_result) { last(); }));
    pools.fetch_identity("idp", {"c", "", "", "", false, ""}, recorded<identity_result>(rec, "exchange", [last](identity_result) { last(); }));
    pools.fetch_identity("nope", {"c", "", "", "", false, ""}, recorded<identity_result>(rec, "unknown", [last](identity_result) { last(); }));
  });
  std::sort(record.events.begin(), record.events.end());
  CHECK(record.events == std::vector<std::string>{"exchange:restarting", "login:restarting", "unknown:unknown_provider"});
  for (auto& thread : record.callback_threads) CHECK(thread == record.handler_thread);
}

TEST_CASE("a loop's call the pool times out, and calls pending when the client goes, each answer once", "[actors][loop]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  pool_settings settings;
  settings.workers = 2;
  settings.call_timeout = std::chrono::milliseconds(300);  // the pool's bound on a worker's call
  test_loop loop;  // outlives the runtime (see test_loop)
  actor_runtime runtime({idp}, settings);
  idp->hold();

  SECTION("a worker stuck past the call timeout: timeout") {
    std::string message;
    auto record = loop.run(runtime, [&](provider_pools& pools, loop_record& rec, auto finish) {
      pools.fetch_identity("idp", {"stuck", "", "", "", false, ""},
                           recorded<identity_result>(rec, "exchange", [&message, finish](identity_result r) {
                             message = r.message;
                             finish();
                           }));
    });
    CHECK(record.events == std::vector<std::string>{"exchange:timeout"});
    CHECK(message == "the identity provider did not answer in time");
    CHECK(record.callback_threads.at(0) == record.handler_thread);
  }

  SECTION("the client destroyed with a call in flight: shutting_down, once") {
    int callbacks = 0;
    pool_error seen = pool_error::none;
    loop.run(runtime, [&](provider_pools& pools, loop_record&, auto finish) {
      pools.fetch_identity("idp", {"pending", "", "", "", false, ""}, [&](identity_result r) {
        ++callbacks;
        seen = r.error;
      });
      // Once the worker holds the call, end the loop: its client goes with the broker.
      wait_until([&] { return idp->held_calls == 1; });
      finish();
    });
    // The broker is gone; its client answered the pending call when it was destroyed.
    CHECK(callbacks == 1);
    CHECK(seen == pool_error::shutting_down);
    // The pool's own answer, when it comes, finds no one: the callback does not run again.
    idp->release();
    REQUIRE(wait_until([&] { return runtime.status_blocking().at(0).busy == 0; }));
    CHECK(callbacks == 1);
  }

  idp->release();
}

TEST_CASE("once the runtime has shut down no pool sends to a loop, so the loop's system may go first", "[actors][loop]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  pool_settings settings;
  settings.workers = 1;
  auto loop = std::make_unique<test_loop>();
  actor_runtime runtime({idp}, settings);
  idp->hold();
  // One call on the worker, one in the queue, both from a broker that then quits.
  loop->run(runtime, [&](provider_pools& pools, loop_record&, auto finish) {
    pools.fetch_identity("idp", {"running", "", "", "", false, ""}, [](identity_result) {});
    pools.fetch_identity("idp", {"queued", "", "", "", false, ""}, [](identity_result) {});
    wait_until([&] { return idp->held_calls == 1; });
    finish();
  });
  // The order a service stops in: brokers, pools, then the loops' systems. The supervisor
  // answers both calls while shutting down, to a broker whose system still exists.
  runtime.shutdown();
  loop.reset();
  idp->release();
  CHECK(idp->calls == 1);
  // The worker's late answer goes to its dead supervisor, not to the broker: nothing reaches
  // the destroyed system (ASan would see it) before or while the runtime goes.
}
