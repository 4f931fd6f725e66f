// Shared by the libocispec unit tests: locating the runtime-spec checkout and
// comparing JSON documents by meaning (yajl_tree, in tests only).
#pragma once

#include <yajl/yajl_tree.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support.hpp"

namespace ocitest {

using unit::read_file;

// The runtime-spec checkout sits next to the source tree (../shared), or
// where SKIFF_RUNTIME_SPEC points.  Not every checkout of skiff has it.
inline std::string spec_root() {
    if (const char* dir = std::getenv("SKIFF_RUNTIME_SPEC"); dir && *dir) return dir;
    return std::string(SKIFF_SOURCE_ROOT) + "/../shared/oci-runtime-spec";
}
inline std::string schema_test_dir(const std::string& kind, const std::string& verdict) {
    return spec_root() + "/schema/test/" + kind + "/" + verdict;
}

// Sorted so failures are reproducible.
inline std::vector<std::string> json_files(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".json") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

using Tree = std::unique_ptr<yajl_val_s, decltype(&yajl_tree_free)>;
inline Tree tree(const std::string& text) {
    char err[256] = {};
    return Tree(yajl_tree_parse(text.c_str(), err, sizeof err), &yajl_tree_free);
}

// Objects compare as unordered key sets, arrays in order, numbers by value.
// On mismatch `where` names the first differing path.  Paths in `dropped` may
// be present in `a` and absent from `b` (properties the schema does not define,
// which the reader skips).
inline bool same_json(yajl_val a, yajl_val b, std::string& where, const std::string& path = "",
                      const std::vector<std::string>& dropped = {}) {
    if (!a || !b) {
        where = path;
        return a == b;
    }
    if (a->type != b->type) {
        where = path;
        return false;
    }
    switch (a->type) {
        case yajl_t_string:
            if (std::strcmp(a->u.string, b->u.string) != 0) return where = path, false;
            return true;
        case yajl_t_number:
            if (YAJL_IS_INTEGER(a) && YAJL_IS_INTEGER(b)) {
                if (a->u.number.i != b->u.number.i) return where = path, false;
                return true;
            }
            if (std::strcmp(a->u.number.r, b->u.number.r) != 0) return where = path, false;
            return true;
        case yajl_t_object: {
            size_t matched = 0;
            for (size_t i = 0; i < a->u.object.len; ++i) {
                const char* key = a->u.object.keys[i];
                std::string sub = path + "." + key;
                yajl_val other = nullptr;
                for (size_t j = 0; j < b->u.object.len; ++j)
                    if (std::strcmp(b->u.object.keys[j], key) == 0) other = b->u.object.values[j];
                if (!other && std::find(dropped.begin(), dropped.end(), sub) != dropped.end()) continue;
                if (!other) return where = sub, false;
                if (!same_json(a->u.object.values[i], other, where, sub, dropped)) return false;
                ++matched;
            }
            if (matched != b->u.object.len) return where = path, false;
            return true;
        }
        case yajl_t_array:
            if (a->u.array.len != b->u.array.len) return where = path, false;
            for (size_t i = 0; i < a->u.array.len; ++i)
                if (!same_json(a->u.array.values[i], b->u.array.values[i], where,
                               path + "[" + std::to_string(i) + "]", dropped))
                    return false;
            return true;
        default:
            return true;  // true, false, null: the type says it all
    }
}

}  // namespace ocitest

// At the top of a test that reads the spec's documents.
#define NEED_SPEC()                                                                                  \
    if (!std::filesystem::is_directory(ocitest::spec_root() + "/schema/test"))                       \
    UNIT_SKIP("no runtime-spec checkout at " << ocitest::spec_root() << " (set SKIFF_RUNTIME_SPEC)")
