#pragma once
// The leader controller's command logic: a command, checked against the
// image, becomes metadata records (or an error per item). Pure: the image is
// a scratch copy the records are applied to as they are planned, so that
// commands planned together see each other (two creates of one name).

#include <cstdint>
#include <vector>

#include "actors/controller_messages.h"
#include "metadata/placement.h"
#include "metadata/records.h"

namespace caudal::actors {

struct command_plan {
  command_result result;
  std::vector<metadata::record> records; // already applied to the scratch image
};

/// Plans `cmd` on `scratch` (and applies its records to it). Topic ids and
/// replica placement draw from `gen`.
command_plan plan_command(metadata::image& scratch, const controller_command& cmd,
                          metadata::rng& gen);

/// A fresh random (version 4) topic id not used in `img`.
protocol::uuid new_topic_id(const metadata::image& img, metadata::rng& gen);

} // namespace caudal::actors
