#include "storage/metastore.h"

#include "storage/file_io.h"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <fmt/format.h>
#include <lmdb.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <sstream>

namespace caudal::storage {

namespace {

constexpr char value_format_version = 1;

error_info lmdb_error(std::string_view what, int rc) {
  errc code = rc == MDB_MAP_FULL ? errc::no_space : errc::db_error;
  return make_error(code, fmt::format("lmdb {}: {}", what, mdb_strerror(rc)));
}

MDB_val as_val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

std::string_view as_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

template <class T>
std::string encode(const T& value) {
  std::ostringstream os(std::ios::binary);
  os.put(value_format_version);
  {
    cereal::PortableBinaryOutputArchive ar(os);
    ar(value);
  }
  return os.str();
}

// Stored bytes are not trusted: a damaged value is an error, never a crash.
template <class T>
result<T> decode(std::string_view bytes) {
  if (bytes.empty() || bytes[0] != value_format_version)
    return make_error(errc::corrupt, "metastore value with unknown format");
  try {
    std::istringstream is(std::string(bytes.substr(1)), std::ios::binary);
    cereal::PortableBinaryInputArchive ar(is);
    T value;
    ar(value);
    return value;
  } catch (const std::exception& e) {
    return make_error(errc::corrupt, std::string("metastore value does not decode: ") + e.what());
  }
}

void put_u16(std::string& out, size_t v) {
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

// Offsets keys sort by group, then topic, then partition: (len16, group,
// len16, topic, u32 partition), all big-endian, so a group is one key range.
std::string group_prefix(std::string_view group) {
  std::string k;
  put_u16(k, group.size());
  k.append(group);
  return k;
}

std::string offset_key(const group_offset_key& key) {
  std::string k = group_prefix(key.group);
  put_u16(k, key.topic.size());
  k.append(key.topic);
  auto p = static_cast<uint32_t>(key.partition);
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>((p >> shift) & 0xff));
  return k;
}

std::optional<group_offset_key> parse_offset_key(std::string_view k) {
  auto take_u16 = [&](size_t& out) {
    if (k.size() < 2) return false;
    out = (static_cast<size_t>(static_cast<uint8_t>(k[0])) << 8) | static_cast<uint8_t>(k[1]);
    k.remove_prefix(2);
    return k.size() >= out;
  };
  group_offset_key key;
  size_t n = 0;
  if (!take_u16(n)) return std::nullopt;
  key.group = std::string(k.substr(0, n));
  k.remove_prefix(n);
  if (!take_u16(n)) return std::nullopt;
  key.topic = std::string(k.substr(0, n));
  k.remove_prefix(n);
  if (k.size() != 4) return std::nullopt;
  uint32_t p = 0;
  for (char c : k) p = (p << 8) | static_cast<uint8_t>(c);
  key.partition = static_cast<int32_t>(p);
  return key;
}

using txn_fn = std::function<int(MDB_txn*)>;

} // namespace

struct metastore::impl {
  MDB_env* env = nullptr;
  MDB_dbi topics = 0;
  MDB_dbi kv = 0;
  MDB_dbi offsets = 0;
  size_t map_size = 0;
  size_t max_key = 511;
  mutable std::shared_mutex resize_mu; // shared: transactions; exclusive: map resize

  ~impl() {
    if (env) mdb_env_close(env);
  }

  status check_key(std::string_view key) const {
    if (key.empty() || key.size() > max_key)
      return make_error(
          errc::invalid_argument,
          fmt::format("metastore key of {} bytes (1..{} allowed)", key.size(), max_key));
    return ok();
  }

  int try_write(const txn_fn& fn) {
    std::shared_lock lock(resize_mu);
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, 0, &txn); rc != 0) return rc;
    if (int rc = fn(txn); rc != 0) {
      mdb_txn_abort(txn);
      return rc;
    }
    return mdb_txn_commit(txn);
  }

  status grow() {
    std::unique_lock lock(resize_mu);
    size_t next = map_size * 2;
    if (int rc = mdb_env_set_mapsize(env, next); rc != 0) return lmdb_error("set_mapsize", rc);
    map_size = next;
    return ok();
  }

  /// One write transaction; on MDB_MAP_FULL the map doubles and it runs once more.
  status write(std::string_view what, const txn_fn& fn) {
    int rc = try_write(fn);
    if (rc == MDB_MAP_FULL) {
      CAUDAL_TRY(grow());
      rc = try_write(fn);
    }
    if (rc != 0) return lmdb_error(what, rc);
    return ok();
  }

  status read(std::string_view what, const txn_fn& fn) const {
    std::shared_lock lock(resize_mu);
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn); rc != 0)
      return lmdb_error(what, rc);
    int rc = fn(txn);
    mdb_txn_abort(txn);
    if (rc != 0) return lmdb_error(what, rc);
    return ok();
  }

  result<std::optional<std::string>> get(MDB_dbi dbi, std::string_view key) const {
    std::optional<std::string> out;
    CAUDAL_TRY(read("get", [&](MDB_txn* txn) {
      MDB_val k = as_val(key), v{};
      int rc = mdb_get(txn, dbi, &k, &v);
      if (rc == 0) out = std::string(as_view(v));
      return rc == MDB_NOTFOUND ? 0 : rc;
    }));
    return out;
  }

  status put(MDB_dbi dbi, std::string_view key, std::string_view value) {
    CAUDAL_TRY(check_key(key));
    return write("put", [&](MDB_txn* txn) {
      MDB_val k = as_val(key), v = as_val(value);
      return mdb_put(txn, dbi, &k, &v, 0);
    });
  }

  result<bool> del(MDB_dbi dbi, std::string_view key) {
    CAUDAL_TRY(check_key(key));
    bool found = false;
    CAUDAL_TRY(write("delete", [&](MDB_txn* txn) {
      MDB_val k = as_val(key);
      int rc = mdb_del(txn, dbi, &k, nullptr);
      found = rc == 0;
      return rc == MDB_NOTFOUND ? 0 : rc;
    }));
    return found;
  }

  /// Calls fn(key, value) for each entry whose key starts with `prefix`.
  static int scan(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix,
                  const std::function<void(std::string_view, std::string_view)>& fn) {
    MDB_cursor* cur = nullptr;
    if (int rc = mdb_cursor_open(txn, dbi, &cur); rc != 0) return rc;
    MDB_val k = as_val(prefix), v{};
    int rc = mdb_cursor_get(cur, &k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
    while (rc == 0 && as_view(k).starts_with(prefix)) {
      fn(as_view(k), as_view(v));
      rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
  }

  status open_dbis() {
    return write("open databases", [&](MDB_txn* txn) {
      int rc = mdb_dbi_open(txn, "topics", MDB_CREATE, &topics);
      if (rc == 0) rc = mdb_dbi_open(txn, "kv", MDB_CREATE, &kv);
      if (rc == 0) rc = mdb_dbi_open(txn, "group_offsets", MDB_CREATE, &offsets);
      return rc;
    });
  }
};

metastore::metastore(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
metastore::~metastore() = default;

result<std::unique_ptr<metastore>> metastore::open(const std::string& dir,
                                                   metastore_options options) {
  posix_filesystem fs;
  CAUDAL_TRY(fs.create_dirs(dir));
  auto p = std::make_unique<impl>();
  if (int rc = mdb_env_create(&p->env); rc != 0) return lmdb_error("env_create", rc);
  p->map_size = std::max<size_t>(options.initial_map_size, 1 << 20);
  if (int rc = mdb_env_set_mapsize(p->env, p->map_size); rc != 0)
    return lmdb_error("set_mapsize", rc);
  if (int rc = mdb_env_set_maxdbs(p->env, 8); rc != 0) return lmdb_error("set_maxdbs", rc);
  if (int rc = mdb_env_set_maxreaders(p->env, options.max_readers); rc != 0)
    return lmdb_error("set_maxreaders", rc);
  if (int rc = mdb_env_open(p->env, dir.c_str(), MDB_NOTLS, 0644); rc != 0)
    return lmdb_error("env_open " + dir, rc);
  // The file may already be larger than asked (grown in an earlier run).
  MDB_envinfo info{};
  mdb_env_info(p->env, &info);
  p->map_size = std::max(p->map_size, info.me_mapsize);
  int dead = 0;
  mdb_reader_check(p->env, &dead);
  p->max_key = static_cast<size_t>(mdb_env_get_maxkeysize(p->env));
  CAUDAL_TRY(p->open_dbis());
  return std::unique_ptr<metastore>(new metastore(std::move(p)));
}

size_t metastore::map_size() const {
  std::shared_lock lock(impl_->resize_mu);
  return impl_->map_size;
}

// ---------------------------------------------------------------- topics

status metastore::put_topic(const topic_record& topic) {
  return impl_->put(impl_->topics, topic.name, encode(topic));
}

result<std::optional<topic_record>> metastore::get_topic(std::string_view name) {
  auto raw = impl_->get(impl_->topics, name);
  if (!raw) return std::move(raw).error();
  if (!*raw) return std::optional<topic_record>{};
  auto t = decode<topic_record>(**raw);
  if (!t) return std::move(t).error();
  return std::optional(std::move(*t));
}

result<std::vector<topic_record>> metastore::list_topics() {
  std::vector<topic_record> out;
  std::optional<error_info> bad;
  CAUDAL_TRY(impl_->read("list topics", [&](MDB_txn* txn) {
    return impl::scan(txn, impl_->topics, {}, [&](std::string_view, std::string_view v) {
      auto t = decode<topic_record>(v);
      if (t)
        out.push_back(std::move(*t));
      else if (!bad)
        bad = t.error();
    });
  }));
  if (bad) return *bad;
  return out;
}

result<bool> metastore::delete_topic(std::string_view name) {
  return impl_->del(impl_->topics, name);
}

// ---------------------------------------------------------------- kv

status metastore::put_kv(std::string_view key, std::string_view value) {
  return impl_->put(impl_->kv, key, value);
}

result<std::optional<std::string>> metastore::get_kv(std::string_view key) {
  return impl_->get(impl_->kv, key);
}

result<bool> metastore::delete_kv(std::string_view key) { return impl_->del(impl_->kv, key); }

result<std::vector<std::pair<std::string, std::string>>>
metastore::list_kv(std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  CAUDAL_TRY(impl_->read("list kv", [&](MDB_txn* txn) {
    return impl::scan(txn, impl_->kv, prefix, [&](std::string_view k, std::string_view v) {
      out.emplace_back(std::string(k), std::string(v));
    });
  }));
  return out;
}

// ---------------------------------------------------------------- group offsets

status metastore::put_offset(const group_offset_key& key, const committed_offset& value) {
  return put_offsets({{key, value}});
}

status
metastore::put_offsets(const std::vector<std::pair<group_offset_key, committed_offset>>& entries) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : entries) {
    auto key = offset_key(k);
    if (k.group.size() > 0xffff || k.topic.size() > 0xffff)
      return make_error(errc::invalid_argument, "group or topic name too long");
    CAUDAL_TRY(impl_->check_key(key));
    encoded.emplace_back(std::move(key), encode(v));
  }
  return impl_->write("put offsets", [&](MDB_txn* txn) {
    for (auto& [k, v] : encoded) {
      MDB_val kv = as_val(k), vv = as_val(v);
      if (int rc = mdb_put(txn, impl_->offsets, &kv, &vv, 0); rc != 0) return rc;
    }
    return 0;
  });
}

result<std::optional<committed_offset>> metastore::get_offset(const group_offset_key& key) {
  auto raw = impl_->get(impl_->offsets, offset_key(key));
  if (!raw) return std::move(raw).error();
  if (!*raw) return std::optional<committed_offset>{};
  auto v = decode<committed_offset>(**raw);
  if (!v) return std::move(v).error();
  return std::optional(std::move(*v));
}

result<std::vector<std::pair<group_offset_key, committed_offset>>>
metastore::list_offsets(std::string_view group) {
  std::vector<std::pair<group_offset_key, committed_offset>> out;
  std::optional<error_info> bad;
  auto prefix = group_prefix(group);
  CAUDAL_TRY(impl_->read("list offsets", [&](MDB_txn* txn) {
    return impl::scan(txn, impl_->offsets, prefix, [&](std::string_view k, std::string_view v) {
      auto key = parse_offset_key(k);
      auto val = decode<committed_offset>(v);
      if (key && val && key->group == group)
        out.emplace_back(std::move(*key), std::move(*val));
      else if (!bad && (!key || !val))
        bad = make_error(errc::corrupt, "bad offset entry");
    });
  }));
  if (bad) return *bad;
  return out;
}

result<bool> metastore::delete_offset(const group_offset_key& key) {
  return impl_->del(impl_->offsets, offset_key(key));
}

result<size_t> metastore::delete_group_offsets(std::string_view group) {
  size_t count = 0;
  auto prefix = group_prefix(group);
  CAUDAL_TRY(impl_->write("delete group offsets", [&](MDB_txn* txn) {
    count = 0;
    std::vector<std::string> keys;
    int rc = impl::scan(txn, impl_->offsets, prefix,
                        [&](std::string_view k, std::string_view) { keys.emplace_back(k); });
    for (auto& k : keys) {
      MDB_val kv = as_val(k);
      if (rc == 0) rc = mdb_del(txn, impl_->offsets, &kv, nullptr);
      if (rc == 0) ++count;
    }
    return rc;
  }));
  return count;
}

result<std::vector<std::string>> metastore::list_offset_groups() {
  std::vector<std::string> out;
  CAUDAL_TRY(impl_->read("list offset groups", [&](MDB_txn* txn) {
    return impl::scan(txn, impl_->offsets, {}, [&](std::string_view k, std::string_view) {
      auto key = parse_offset_key(k);
      if (key && (out.empty() || out.back() != key->group)) out.push_back(key->group);
    });
  }));
  // Keys sort by (name length, name); callers want names in plain order.
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace caudal::storage
