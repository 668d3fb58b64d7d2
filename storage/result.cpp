#include "storage/result.h"

namespace caudal::storage {

std::string_view to_string(errc e) {
  switch (e) {
  case errc::io_error:
    return "io_error";
  case errc::not_found:
    return "not_found";
  case errc::already_exists:
    return "already_exists";
  case errc::no_space:
    return "no_space";
  case errc::corrupt:
    return "corrupt";
  case errc::invalid_argument:
    return "invalid_argument";
  case errc::invalid_batch:
    return "invalid_batch";
  case errc::message_too_large:
    return "message_too_large";
  case errc::offset_out_of_range:
    return "offset_out_of_range";
  case errc::invalid_config:
    return "invalid_config";
  case errc::log_failed:
    return "log_failed";
  case errc::db_error:
    return "db_error";
  }
  return "unknown";
}

} // namespace caudal::storage
