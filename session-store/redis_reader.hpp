#pragma once
// hiredis's reply reader with a bound on what one reply may declare. hiredis 0.14 allocates an
// array's element table as soon as it reads the declared count ("*300000000\r\n" is a 2.4 GB
// calloc before any element arrives; 1.0's maxelements limit is not in 0.14). A server, or
// anyone on a plaintext path to it, could make a replica allocate without bound. Here the element
// counts of one reply, nested arrays included, add up to at most `redis_reply_element_limit`; a
// reply over it is a reader error, which the clients treat as a protocol failure (the
// connection is closed, its waiters get 503).
#include <cstddef>
#include <memory>

struct redisReader;

namespace sg {

// socialgate's largest replies are SCAN pages (500 keys), CLUSTER SLOTS and small hashes.
constexpr std::size_t redis_reply_element_limit = 1 << 20;

struct redis_reader_deleter {
  void operator()(redisReader* reader) const;
};
using redis_reader_ptr = std::unique_ptr<redisReader, redis_reader_deleter>;

// A new reader; throws std::bad_alloc when hiredis cannot make one.
redis_reader_ptr make_redis_reader();

}  // namespace sg
