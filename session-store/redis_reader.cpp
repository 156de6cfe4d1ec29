#include "session-store/redis_reader.hpp"

#include <hiredis/hiredis.h>

#include <new>

namespace sg {
namespace {

// Elements declared so far by the reply being read; hiredis hands each task the reader's
// privdata, so the count is per reader (connections interleave on one thread).
struct element_budget {
  std::size_t declared = 0;
};

// hiredis's own functions, taken from a reader it made (they are static in hiredis.c), with
// createArray checked first.
redisReplyObjectFunctions hiredis_functions;
redisReplyObjectFunctions bounded_functions;

void* create_bounded_array(const redisReadTask* task, int elements) {
  auto* budget = static_cast<element_budget*>(task->privdata);
  if (budget && elements > 0) {
    if (task->parent == nullptr) budget->declared = 0;  // a new top-level reply
    budget->declared += static_cast<std::size_t>(elements);
    if (budget->declared > redis_reply_element_limit) return nullptr;  // hiredis: reader error
  }
  return hiredis_functions.createArray(task, elements);
}

const redisReplyObjectFunctions* functions() {
  static const bool ready = [] {
    redisReader* probe = redisReaderCreate();
    if (!probe) return false;
    hiredis_functions = *probe->fn;
    redisReaderFree(probe);
    bounded_functions = hiredis_functions;
    bounded_functions.createArray = create_bounded_array;
    return true;
  }();
  return ready ? &bounded_functions : nullptr;
}

}  // namespace

void redis_reader_deleter::operator()(redisReader* reader) const {
  if (!reader) return;
  delete static_cast<element_budget*>(reader->privdata);
  redisReaderFree(reader);
}

redis_reader_ptr make_redis_reader() {
  const auto* fn = functions();
  if (!fn) throw std::bad_alloc();
  // hiredis keeps the pointer and never writes through it.
  redis_reader_ptr reader(redisReaderCreateWithFunctions(const_cast<redisReplyObjectFunctions*>(fn)));
  if (!reader) throw std::bad_alloc();
  reader->privdata = new element_budget();
  return reader;
}

}  // namespace sg
