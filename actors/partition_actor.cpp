#include "actors/partition_actor.h"

#include <tuple>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/partition_messages.h"
#include "actors/partition_replication.h"
#include "actors/partition_state.h"
#include "actors/producer_guard.h"
#include "protocol/record_batch.h"

namespace caudal::actors {

partition_state::partition_state() = default;

partition_state::~partition_state() {
  replication.reset(); // it refers to the log
  if (!log) return;
  if (auto r = log->close(); !r)
    spdlog::error("{}-{}: close failed: {}", args.topic, args.partition, r.error().message);
  else if (auto s = producers ? producers->snapshot(*args.fs, *log) : storage::ok(); !s)
    spdlog::error("{}-{}: producer snapshot failed: {}", args.topic, args.partition,
                  s.error().message);
}

int64_t partition_state::visible_end() const {
  return replication ? replication->high_watermark() : log->log_end_offset();
}

// Every waiter is answered exactly once, so the list stays bounded by the
// fetches in flight.
void wake_waiters(partition_state& st, int64_t now) {
  auto end = st.visible_end();
  std::erase_if(st.waiters, [&](waiter& w) {
    bool has_data = end > w.offset;
    if (!has_data && now < w.deadline_ms) return false;
    w.promise.deliver(has_data);
    return true;
  });
}

namespace {

/// Maps a storage failure of append() to the Kafka error a producer expects.
int16_t append_error_code(const storage::error_info& e) {
  switch (e.code) {
  case storage::errc::invalid_batch:
    return e.message.find("magic") != std::string::npos ? error_code::unsupported_for_message_format
                                                        : error_code::corrupt_message;
  case storage::errc::message_too_large:
    return error_code::message_too_large;
  case storage::errc::invalid_argument:
    return error_code::corrupt_message;
  default:
    return error_code::kafka_storage_error;
  }
}

append_reply handle_append(partition_self self, append_request& req) {
  auto& st = self->state;
  append_reply rep;
  auto now = now_ms(self);
  std::vector<protocol::batch_header> headers;
  if (auto early = st.producers->before_append(req.records, *st.log, headers)) return *early;
  auto res = st.log->append(std::span<uint8_t>{req.records}, 0, now);
  if (!res) {
    rep.error = append_error_code(res.error());
    rep.message = res.error().message;
    if (rep.error == error_code::kafka_storage_error)
      spdlog::error("{}-{}: append failed: {}", st.args.topic, st.args.partition, rep.message);
    return rep;
  }
  st.producers->after_append(headers, res->base_offset, now, *st.args.fs, *st.log);
  rep.base_offset = res->base_offset;
  rep.log_append_time_ms = res->log_append_time_ms;
  rep.log_start_offset = st.log->log_start_offset();
  wake_waiters(st, now);
  return rep;
}

/// The current leader epoch of this replica (0 on a single node).
int32_t current_epoch(const partition_state& st) {
  return st.replication ? st.replication->leader_epoch() : 0;
}

/// KIP-320: a client that names an older epoch has stale metadata (FENCED),
/// a newer one means this replica has not caught up with it (UNKNOWN).
int16_t epoch_check(const partition_state& st, int32_t client_epoch) {
  if (st.replication && !st.replication->is_leader()) return error_code::not_leader_or_follower;
  if (client_epoch < 0) return error_code::none;
  auto mine = current_epoch(st);
  if (client_epoch < mine) return error_code::fenced_leader_epoch;
  if (client_epoch > mine) return error_code::unknown_leader_epoch;
  return error_code::none;
}

epoch_reply handle_epoch(partition_self self, int32_t client_epoch, int32_t leader_epoch) {
  auto& st = self->state;
  epoch_reply rep;
  rep.error = epoch_check(st, client_epoch);
  if (rep.error != error_code::none) return rep;
  if (st.replication) {
    auto e = st.replication->end_of_epoch(leader_epoch);
    rep.leader_epoch = e.epoch;
    rep.end_offset = e.end_offset;
  } else { // a single node writes everything in epoch 0
    std::tie(rep.leader_epoch, rep.end_offset) = st.log->end_offset_for_epoch(leader_epoch);
  }
  return rep;
}

read_reply handle_read(partition_self self, const read_request& req) {
  auto& st = self->state;
  read_reply rep;
  rep.error = epoch_check(st, req.current_leader_epoch);
  if (rep.error != error_code::none) return rep; // consumers read from the leader
  rep.high_watermark = st.visible_end();
  rep.log_start_offset = st.log->log_start_offset();
  if (req.offset < rep.log_start_offset || req.offset > st.log->log_end_offset()) {
    rep.error = error_code::offset_out_of_range;
    return rep;
  }
  if (req.offset >= rep.high_watermark) return rep; // written, not yet committed
  auto res = st.log->read(req.offset, static_cast<size_t>(std::max(req.max_bytes, 0)),
                          rep.high_watermark, req.min_one_batch);
  if (!res) {
    rep.error = res.error().code == storage::errc::offset_out_of_range
                    ? error_code::offset_out_of_range
                    : error_code::kafka_storage_error;
    return rep;
  }
  rep.records = std::move(res->bytes);
  return rep;
}

offset_reply handle_offsets(partition_self self, int64_t timestamp) {
  auto& log = *self->state.log;
  offset_reply rep;
  if (self->state.replication && !self->state.replication->is_leader()) {
    rep.error = error_code::not_leader_or_follower;
  } else if (timestamp == -2) {
    rep.offset = log.log_start_offset();
  } else if (timestamp == -1) {
    rep.offset = self->state.visible_end();
  } else {
    auto res = timestamp == -3 ? log.max_timestamp() : log.offset_for_timestamp(timestamp);
    if (!res) {
      rep.error = error_code::kafka_storage_error;
    } else if (*res) { // nullopt: no such record, Kafka answers -1/-1
      rep.offset = (*res)->offset;
      rep.timestamp = (*res)->timestamp;
    }
  }
  return rep;
}

void remove_files(storage::filesystem& fs, const std::string& dir) {
  auto names = fs.list_dir(dir);
  if (!names) return;
  for (auto& n : *names)
    if (auto r = fs.remove(storage::join_path(dir, n)); !r)
      spdlog::error("cannot delete {}: {}", n, r.error().message);
}

void schedule_housekeeping(partition_self self) {
  auto interval = std::chrono::milliseconds{self->state.args.retention_check_interval_ms};
  self->delayed_send(self, interval, retain_atom::value);
}

void run_retention(partition_self self) {
  auto& st = self->state;
  auto now = now_ms(self);
  st.producers->expire(now);
  if (auto r = st.log->enforce_retention(now, st.visible_end()); !r)
    spdlog::error("{}-{}: retention failed: {}", st.args.topic, st.args.partition,
                  r.error().message);
  else if (*r > 0)
    spdlog::info("{}-{}: retention deleted {} segment(s); log start offset now {}", st.args.topic,
                 st.args.partition, *r, st.log->log_start_offset());
  if (auto f = st.log->maybe_flush(now); !f)
    spdlog::error("{}-{}: flush failed: {}", st.args.topic, st.args.partition, f.error().message);
  schedule_housekeeping(self);
}

caf::behavior partition_impl(partition_self self) {
  schedule_housekeeping(self);
  return {
      [=](append_atom, append_request& req) -> caf::result<append_reply> {
        if (self->state.replication) return self->state.replication->append(self, req);
        return handle_append(self, req);
      },
      [=](read_atom, const read_request& req) { return handle_read(self, req); },
      [=](wait_atom, int64_t offset, int64_t max_wait_ms) -> caf::result<bool> {
        if (self->state.visible_end() > offset || max_wait_ms <= 0) return true;
        auto rp = self->make_response_promise<bool>();
        self->state.waiters.push_back({offset, now_ms(self) + max_wait_ms, rp});
        self->delayed_send(self, std::chrono::milliseconds{max_wait_ms}, wait_atom::value);
        return rp;
      },
      [=](wait_atom) { wake_waiters(self->state, now_ms(self)); },
      [=](offsets_atom, int64_t timestamp) { return handle_offsets(self, timestamp); },
      [=](epoch_atom, int32_t client_epoch, int32_t leader_epoch) {
        return handle_epoch(self, client_epoch, leader_epoch);
      },
      [=](status_atom) {
        auto& st = self->state;
        auto& log = *st.log;
        partition_status s{log.log_start_offset(), log.log_end_offset(), log.size_bytes(),
                           static_cast<int64_t>(log.segment_count())};
        s.high_watermark = st.visible_end();
        s.leader = !st.replication || st.replication->is_leader();
        s.leader_epoch = st.replication ? st.replication->leader_epoch() : 0;
        return s;
      },
      [=](config_atom, const storage::log_config& cfg) {
        self->state.args.config = cfg;
        self->state.log->update_config(cfg);
      },
      [=](retain_atom) { run_retention(self); },
      [=](peer_deliver_atom, int32_t from, const caf::message& m) {
        if (self->state.replication) self->state.replication->on_message(self, from, m);
      },
      [=](voters_atom, std::vector<int32_t>& replicas, std::vector<int32_t>& voters) {
        if (self->state.replication)
          self->state.replication->set_replica_sets(self, std::move(replicas), std::move(voters),
                                                    {});
      },
      [=](voters_atom, std::vector<int32_t>& replicas, std::vector<int32_t>& voters,
          std::vector<int32_t>& removing) {
        if (self->state.replication)
          self->state.replication->set_replica_sets(self, std::move(replicas), std::move(voters),
                                                    std::move(removing));
      },
      [=](report_atom, int32_t leader, int32_t epoch, const std::vector<int32_t>& isr) {
        if (self->state.replication)
          self->state.replication->on_image_view(self, leader, epoch, isr);
      },
      [=](raft_tick_atom, bool periodic) {
        if (self->state.replication) self->state.replication->on_tick(self, periodic);
      },
      [=](drop_atom, const std::string& moved_dir) {
        // The topic manager already renamed the directory (so a topic of the
        // same name can be created at once); remove the files it holds.
        auto& st = self->state;
        if (st.replication) st.replication->stop(self);
        st.replication.reset();
        st.log.reset();
        remove_files(*st.args.fs, moved_dir);
        for (auto& w : st.waiters) w.promise.deliver(true);
        st.waiters.clear();
        self->quit();
      },
  };
}

} // namespace

caf::actor spawn_partition(caf::actor_system& sys, partition_args args, std::string& error) {
  auto now = args.clock.now_ms(sys.clock());
  auto log = storage::partition_log::open(*args.fs, args.dir, args.config, now);
  if (!log) {
    error = log.error().message;
    return {};
  }
  auto producers = producer_guard::open(*args.fs, **log);
  if (!producers) {
    error = "producer state: " + producers.error().message;
    return {};
  }
  producers->set_expiration_ms(args.producer_id_expiration_ms);
  return sys.spawn([a = std::move(args), l = std::move(*log),
                    p = std::move(*producers)](partition_self self) mutable {
    self->state.args = std::move(a);
    self->state.log = std::move(l);
    self->state.producers = std::move(p);
    if (self->state.args.replication) {
      std::string why;
      self->state.replication = partition_replication::open(self, why);
      if (!self->state.replication) {
        spdlog::error("{}-{}: cannot start replication: {}", self->state.args.topic,
                      self->state.args.partition, why);
        self->quit(caf::make_error(caf::sec::runtime_error, why));
        return caf::behavior{};
      }
    }
    return partition_impl(self);
  });
}

} // namespace caudal::actors
