#include "protocol/framing.h"

namespace caudal::protocol {

void frame_decoder::feed(std::span<const uint8_t> bytes) {
  if (failed()) return;
  // Drop consumed bytes once they dominate the buffer: amortised O(1) per byte.
  if (start_ > 0 && start_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

std::optional<byte_buffer> frame_decoder::pop() {
  if (failed() || buffered() < 4) return std::nullopt;
  reader r(std::span<const uint8_t>(buf_).subspan(start_, 4));
  const int32_t size = r.i32();
  if (size < 0) {
    status_ = status::negative_size;
    return std::nullopt;
  }
  if (size > max_frame_bytes_) {
    status_ = status::too_large;
    return std::nullopt;
  }
  if (buffered() - 4 < static_cast<size_t>(size)) return std::nullopt;
  auto first = buf_.begin() + static_cast<std::ptrdiff_t>(start_ + 4);
  byte_buffer frame(first, first + size);
  start_ += 4 + static_cast<size_t>(size);
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  return frame;
}

byte_buffer frame_response(const response_header& h, int16_t header_version,
                           std::span<const uint8_t> body) {
  byte_buffer out;
  writer w(out);
  size_t at = begin_frame(w);
  encode_response_header(w, h, header_version);
  w.raw(body);
  end_frame(w, at);
  return out;
}

} // namespace caudal::protocol
