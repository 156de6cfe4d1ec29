#pragma once
// What a test reads about processes: a replica's resident memory (for bounds that catch
// unbounded growth) and the open-file limit that thousands of test connections need.
#include <sys/types.h>

namespace sg::test {

// VmRSS from /proc/<pid>/status in KiB; -1 when the process is gone.
long resident_kib(pid_t pid);

// Raises this process's soft RLIMIT_NOFILE to the hard limit and returns the new soft limit.
// Processes started afterwards (replicas) inherit it.
long raise_open_file_limit();

}  // namespace sg::test
