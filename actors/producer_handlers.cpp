// InitProducerId: idempotent producers only (no transactions).

#include <limits>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/error_codes.h"
#include "actors/handlers.h"
#include "actors/producer_ids.h"

namespace caudal::actors {
namespace {

/// Transactions are not implemented: a transactional id gets an
/// authorization-style fatal error rather than a retriable one, so clients
/// stop instead of retrying forever (see docs/compatibility.md).
constexpr int16_t transactional_id_authorization_failed = 53;

msg::init_producer_id_response answer(int16_t error, int64_t id, int16_t epoch) {
  msg::init_producer_id_response resp;
  resp.error_code = error;
  resp.producer_id = id;
  resp.producer_epoch = epoch;
  return resp;
}

/// Node-wide (not per connection): a client that reconnects after a timeout
/// must get its retry answered.
bool take_drop_token(const node_context& ctx) {
  if (!ctx.test_drop_produce_responses) return false;
  auto& left = *ctx.test_drop_produce_responses;
  int32_t n = left.load();
  while (n > 0 && !left.compare_exchange_weak(n, n - 1)) {
  }
  return n > 0;
}

} // namespace

void handle_produce_with_test_hooks(session_self self, const request_context& rc,
                                    msg::produce_request req) {
  if (req.acks != 0 && take_drop_token(self->state.ctx)) {
    // Appended as usual, but answered like acks=0: no response, and the
    // back-pressure budget is released (complete(seq, nullopt)) after the
    // append, so the client times out and retries the same batch.
    spdlog::warn("test.drop.produce.responses: dropping the response to produce request {}",
                 rc.header.correlation_id);
    req.acks = 0;
  }
  handle_produce(self, rc, std::move(req));
}

void handle_init_producer_id(session_self self, const request_context& rc,
                             msg::init_producer_id_request req) {
  if (req.transactional_id && !req.transactional_id->empty())
    return reply(self, rc, answer(transactional_id_authorization_failed, -1, -1));
  // KIP-360 (v3+): a producer that knows its id and epoch asks for the epoch
  // to be bumped, which fences its older epoch and restarts its sequences.
  constexpr int16_t max_epoch = std::numeric_limits<int16_t>::max() - 1;
  if (rc.version() >= 3 && req.producer_id >= 0 && req.producer_epoch >= 0 &&
      req.producer_epoch < max_epoch)
    return reply(
        self, rc,
        answer(error_code::none, req.producer_id, static_cast<int16_t>(req.producer_epoch + 1)));
  self->request(self->state.ctx.producer_ids, caf::infinite, producer_id_atom::value)
      .then(
          [self, rc](int64_t id) {
            if (id < 0) return reply(self, rc, answer(error_code::unknown_server_error, -1, -1));
            reply(self, rc, answer(error_code::none, id, 0));
          },
          [self, rc](caf::error&) {
            reply(self, rc, answer(error_code::unknown_server_error, -1, -1));
          });
}

} // namespace caudal::actors
