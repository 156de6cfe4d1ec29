#pragma once
// socialgate's scripts and commands are those of Redis 6.2 and later (GETDEL, `#!lua`
// shebangs, ACL checks in scripts). CVAT before 2.10 ships Redis 4 as cvat_redis: start-up
// asks INFO server and refuses an older Redis with a line naming the fix.
#include <optional>
#include <string>

namespace sg {

struct redis_version_verdict {
  std::string version;  // as INFO reports it
  bool supported = true;
};

// From the text of `INFO server`; nullopt when it names no version (the check is then skipped).
std::optional<redis_version_verdict> judge_redis_version(const std::string& info_server);

}  // namespace sg
