// What `state` and `list` print, in runc's shapes: the state object
// {"ociVersion","id","pid","status","bundle","rootfs","created","owner",
// "annotations"} (pid 0 once stopped), and list's tab-aligned table.
#pragma once

#include <string>
#include <vector>

#include "core/state_store.hpp"
#include "ocispec/error.hpp"

namespace skiff::cli {

struct ContainerView {
    core::ContainerRecord record;
    oci::Status status = oci::Status::Stopped;
    // `list`: the user name, or "#UID" when it has none; `state`: empty.
    // As runc, whose `state` prints "owner": "" (and so skips a passwd
    // lookup, nsswitch and all, on every engine's state call).
    std::string owner;
};

// Loads <root>/<id> without taking its lock and computes the live status.
oci::Result<ContainerView> load_view(const std::string& root, const std::string& id);
// Every container under root, sorted by id; containers deleted while
// listing are skipped.
oci::Result<std::vector<ContainerView>> load_all(const std::string& root);

std::string owner_name(uint32_t uid);

// pretty: 2-space indent as runc's `state`; compact for list's json array.
std::string state_json(const ContainerView& v, bool pretty);
std::string list_json(const std::vector<ContainerView>& vs);
// Go tabwriter (minwidth 12, padding 3) over ID PID STATUS BUNDLE CREATED OWNER.
std::string list_table(const std::vector<ContainerView>& vs);

}  // namespace skiff::cli
