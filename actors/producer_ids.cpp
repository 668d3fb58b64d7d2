#include "actors/producer_ids.h"

#include <charconv>
#include <string>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace caudal::actors {

storage::result<int64_t> producer_id_allocator::next() {
  if (next_ < end_) return id_base_ + next_++;
  auto stored = meta_.get_kv(key);
  if (!stored) return std::move(stored).error();
  int64_t start = 0;
  if (*stored) {
    const auto& s = **stored;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), start);
    if (ec != std::errc{} || ptr != s.data() + s.size() || start < 0)
      return storage::make_error(storage::errc::corrupt, "bad " + std::string(key) + ": " + s);
  }
  start = std::max(start, next_);
  auto end = start + block_size;
  if (auto r = meta_.put_kv(key, std::to_string(end)); !r) return std::move(r).error();
  next_ = start;
  end_ = end;
  return id_base_ + next_++;
}

caf::actor spawn_producer_id_manager(caf::actor_system& sys, storage::metastore* meta,
                                     caf::actor lifetime, int64_t id_base) {
  return sys.spawn([meta, lifetime, id_base](caf::event_based_actor* self) {
    self->monitor(lifetime);
    self->set_down_handler([self](caf::down_msg&) { self->quit(); });
    auto alloc = std::make_shared<producer_id_allocator>(*meta, id_base);
    return caf::behavior{
        [alloc](producer_id_atom) -> int64_t {
          auto id = alloc->next();
          if (id) return *id;
          spdlog::error("cannot allocate a producer id: {}", id.error().message);
          return -1;
        },
    };
  });
}

} // namespace caudal::actors
