#pragma once
// Error handling of the storage layer: one small error enum for the module and
// a `result<T>` carrying either a value or an error with a message. Nothing in
// storage throws across its API; callers map `errc` to Kafka error codes once,
// at the edge (e.g. corrupt -> CORRUPT_MESSAGE, offset_out_of_range ->
// OFFSET_OUT_OF_RANGE, invalid_config -> INVALID_CONFIG).

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace caudal::storage {

enum class errc {
  io_error = 1,        // the OS (or the simulated disk) failed an operation
  not_found,           // file, directory or key absent
  already_exists,      // exclusive create of something that exists
  no_space,            // disk (or LMDB map) full
  corrupt,             // stored bytes fail validation (CRC, length, offsets)
  invalid_argument,    // caller passed something meaningless
  invalid_batch,       // a batch handed to append() is malformed
  message_too_large,   // a batch exceeds max.message.bytes
  offset_out_of_range, // read/delete at an offset outside [log start, LEO]
  invalid_config,      // topic config validation failed (message names the key)
  log_failed,          // an earlier I/O error left the log unusable
  db_error,            // LMDB reported an error
};

std::string_view to_string(errc e);

struct error_info {
  errc code;
  std::string message;
};

inline error_info make_error(errc code, std::string message) {
  return error_info{code, std::move(message)};
}

/// Either a T or an error_info. Access the value only after checking.
template <class T>
class [[nodiscard]] result {
public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  result(error_info err) : v_(std::in_place_index<1>, std::move(err)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const error_info& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  error_info&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(v_));
  }

private:
  std::variant<T, error_info> v_;
};

template <>
class [[nodiscard]] result<void> {
public:
  result() = default;
  result(error_info err) : err_(std::move(err)), failed_(true) {}

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const error_info& error() const& {
    assert(failed_);
    return err_;
  }
  error_info&& error() && {
    assert(failed_);
    return std::move(err_);
  }

private:
  error_info err_{errc::io_error, {}};
  bool failed_ = false;
};

using status = result<void>;

inline status ok() { return {}; }

} // namespace caudal::storage

// Propagates the error of a result-returning expression out of the enclosing
// function (which must return some result<U>).
#define CAUDAL_TRY(expr)                                                                           \
  do {                                                                                             \
    if (auto caudal_try_r_ = (expr); !caudal_try_r_) return std::move(caudal_try_r_).error();      \
  } while (0)
