// The open-redirect corpus (tests/data/open_redirect_corpus.jsonl, made by
// make_open_redirect_corpus.py): every value refused, the legitimate paths still accepted.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "gateway/next_url.hpp"

using namespace sg;

TEST_CASE("open-redirect corpus: several hundred hostile next values are all refused", "[next][security]") {
  next_url_policy policy({"https://cvat.example.com"});
  std::ifstream in(SG_SOURCE_DIR "/tests/data/open_redirect_corpus.jsonl");
  REQUIRE(in);
  std::string line;
  std::size_t count = 0, accepted = 0;
  while (std::getline(in, line)) {
    auto value = nlohmann::json::parse(line).get<std::string>();
    ++count;
    if (value.empty()) continue;  // empty means "no next": the default "/"
    if (policy.validate(value)) {
      ++accepted;
      UNSCOPED_INFO("accepted: " << line);
    }
  }
  CHECK(count >= 300);
  CHECK(accepted == 0);
}

TEST_CASE("open-redirect corpus: legitimate landing pages stay accepted", "[next]") {
  next_url_policy policy({"https://cvat.example.com"});
  for (const char* ok : {"/", "/tasks", "/tasks/12", "/tasks?page=2&sort=-id", "/projects/3#annotations",
                         "/search?q=hello%20world", "/a/b/../c", "/%7Euser", "/auth/login?next=%2Ftasks",
                         "/jobs/4?frame=10&filter=%5B%5D", "/tasks/%E4%BB%BB%E5%8A%A1", "https://cvat.example.com/",
                         "https://cvat.example.com/tasks?x=1", "https://CVAT.example.com:443/projects"}) {
    INFO(ok);
    CHECK(policy.validate(ok));
  }
}
