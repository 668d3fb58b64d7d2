// Printable names for traces and test failures.
#include "consensus/replica.h"

namespace caudal::consensus {

const char* to_string(replica_role r) {
  switch (r) {
  case replica_role::follower:
    return "follower";
  case replica_role::candidate:
    return "candidate";
  case replica_role::leader:
    return "leader";
  }
  return "?";
}

} // namespace caudal::consensus
