// Implements cli/output.hpp.
#include "cli/output.hpp"

#include <pwd.h>
#include <yajl/yajl_gen.h>

#include <algorithm>
#include <memory>

#include "ocispec/enums.hpp"
#include "skiff_build.h"

namespace skiff::cli {
namespace {

struct GenDeleter {
    void operator()(yajl_gen g) const { yajl_gen_free(g); }
};
using Gen = std::unique_ptr<std::remove_pointer_t<yajl_gen>, GenDeleter>;

Gen make_gen(bool pretty) {
    Gen g(yajl_gen_alloc(nullptr));
    if (pretty) {
        yajl_gen_config(g.get(), yajl_gen_beautify, 1);
        yajl_gen_config(g.get(), yajl_gen_indent_string, "  ");
    }
    return g;
}

std::string take(yajl_gen g) {
    const unsigned char* buf = nullptr;
    size_t len = 0;
    yajl_gen_get_buf(g, &buf, &len);
    std::string s(reinterpret_cast<const char*>(buf), len);
    while (!s.empty() && s.back() == '\n') s.pop_back();  // yajl's beautify ends with one
    return s;
}

void str(yajl_gen g, std::string_view s) {
    yajl_gen_string(g, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

void gen_state(yajl_gen g, const ContainerView& v) {
    const core::ContainerRecord& r = v.record;
    yajl_gen_map_open(g);
    str(g, "ociVersion");
    str(g, SKIFF_SPEC_VERSION);
    str(g, "id");
    str(g, r.id);
    str(g, "pid");
    yajl_gen_integer(g, v.status == oci::Status::Stopped ? 0 : r.pid);
    str(g, "status");
    str(g, oci::enum_name(v.status));
    str(g, "bundle");
    str(g, r.bundle);
    str(g, "rootfs");
    str(g, r.rootfs);
    str(g, "created");
    str(g, r.created);
    str(g, "owner");
    str(g, v.owner);
    if (!r.annotations.empty()) {
        str(g, "annotations");
        yajl_gen_map_open(g);
        for (const auto& [k, val] : r.annotations) {
            str(g, k);
            str(g, val);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
}

}  // namespace

std::string owner_name(uint32_t uid) {
    struct passwd pw {};
    struct passwd* res = nullptr;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) return res->pw_name;
    return "#" + std::to_string(uid);
}

oci::Result<ContainerView> load_view(const std::string& root, const std::string& id) {
    TRY_ASSIGN(auto dir, core::StateDir::peek(root, id));
    ContainerView v;
    TRY_ASSIGN(v.record, dir.load_or_creating(id));
    v.status = core::compute_status(v.record, dir.fd());
    return v;
}

oci::Result<std::vector<ContainerView>> load_all(const std::string& root) {
    TRY_ASSIGN(auto ids, core::list_ids(root));
    std::vector<ContainerView> out;
    for (const auto& id : ids) {
        auto v = load_view(root, id);
        if (!v.ok()) {
            if (v.error().err == ENOENT) continue;  // deleted since list_ids
            return std::move(v).error();
        }
        v->owner = owner_name(v->record.owner_uid);
        out.push_back(std::move(*v));
    }
    return out;
}

std::string state_json(const ContainerView& v, bool pretty) {
    Gen g = make_gen(pretty);
    gen_state(g.get(), v);
    return take(g.get());
}

std::string list_json(const std::vector<ContainerView>& vs) {
    Gen g = make_gen(false);
    yajl_gen_array_open(g.get());
    for (const auto& v : vs) gen_state(g.get(), v);
    yajl_gen_array_close(g.get());
    return take(g.get());
}

std::string list_table(const std::vector<ContainerView>& vs) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"});
    for (const auto& v : vs)
        rows.push_back({v.record.id, std::to_string(v.status == oci::Status::Stopped ? 0 : v.record.pid),
                        std::string(oci::enum_name(v.status)), v.record.bundle, v.record.created, v.owner});
    // Go's tabwriter aligns only tab-terminated cells, so the last column is not padded.
    constexpr size_t minwidth = 12, padding = 3;
    std::vector<size_t> width(rows[0].size() - 1, minwidth);
    for (const auto& row : rows)
        for (size_t c = 0; c + 1 < row.size(); ++c) width[c] = std::max(width[c], row[c].size() + padding);
    std::string out;
    for (const auto& row : rows) {
        for (size_t c = 0; c + 1 < row.size(); ++c) {
            out += row[c];
            out.append(width[c] - row[c].size(), ' ');
        }
        out += row.back();
        out += '\n';
    }
    return out;
}

}  // namespace skiff::cli
